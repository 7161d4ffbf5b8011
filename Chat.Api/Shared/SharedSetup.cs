using Chat.Domain;
using Chat.Domain.Pipeline;

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
        builder.Services.AddSingleton<UnreadCounts>();
        builder.Services.AddSingleton<ReplyCounts>();
        builder.Services.AddSingleton<ReactionCounts>();
        builder.Services.AddSingleton<MessageDetails>();
        builder.Services.AddSettings<FeedOptions>(FeedOptions.Section);
        builder.Services.AddSingleton<FeedReader>();
        return builder;
    }
}
