namespace Chat.Api.Shared;

public static class SharedSetup
{
    /// <summary>The plumbing every feature uses: the request context its route groups resolve, and the merged readers.</summary>
    public static IHostApplicationBuilder AddShared(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<RequestContext>();
        builder.Services.AddSingleton<ApplicationDirectory>();
        builder.Services.AddSingleton<ChatDirectory>();
        builder.Services.AddSingleton<MessageReader>();
        builder.Services.AddSingleton<Rosters>();
        builder.Services.AddSingleton<LastMessageNumbers>();
        return builder;
    }
}
