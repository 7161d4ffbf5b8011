using System.Globalization;

namespace Chat.Api.Shared;

/// <summary>
/// Route groups whose filter resolves the application (and the chat) named by the path once, and answers 404 there
/// when there is none, the same for a malformed token, an unknown one, another application's chat or a deleted one.
/// </summary>
public static class ScopedGroups
{
    /// <summary><c>/applications/{token}{suffix}</c>.</summary>
    public static RouteGroupBuilder MapApplicationGroup(this IEndpointRouteBuilder app, string suffix = "")
    {
        var group = app.MapGroup("/applications/{token}" + suffix);
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            if (await http.RequestServices.GetRequiredService<ApplicationDirectory>().FindAsync((string)http.GetRouteValue("token")!) is not { } found)
                return TypedResults.NotFound();
            http.RequestServices.GetRequiredService<RequestContext>().Resolve(found, null);
            return await next(context);
        });
        return group;
    }

    /// <summary><c>/applications/{token}/chats/{chat}{suffix}</c>.</summary>
    public static RouteGroupBuilder MapChatGroup(this IEndpointRouteBuilder app, string suffix = "")
    {
        var group = app.MapGroup("/applications/{token}/chats/{chat:int}" + suffix);
        group.AddEndpointFilter(async (context, next) =>
        {
            var http = context.HttpContext;
            var services = http.RequestServices;
            if (await services.GetRequiredService<ApplicationDirectory>().FindAsync((string)http.GetRouteValue("token")!) is not { } found
                || !int.TryParse((string?)http.GetRouteValue("chat"), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
                || await services.GetRequiredService<ChatDirectory>().FindAsync(found, number) is not { } chat)
                return TypedResults.NotFound();
            services.GetRequiredService<RequestContext>().Resolve(found, chat);
            return await next(context);
        });
        return group;
    }
}
