using System.Globalization;
using Chat.Api.Shared.Identity;

namespace Chat.Api.Shared;

/// <summary>
/// Route groups whose filter resolves, once per request, the application (and the chat) named by the path and the caller
/// (<see cref="CallerAuthentication"/>), applies the authorization rules (<see cref="Access"/>), and answers there: 404 the
/// same for a malformed token, an unknown one, another application's chat, a deleted one or one a user may not read; 401
/// for a missing or bad credential; 403 for a forbidden act.
/// </summary>
public static class ScopedGroups
{
    /// <summary><c>/applications/{token}{suffix}</c>.</summary>
    public static RouteGroupBuilder MapApplicationGroup(this IEndpointRouteBuilder app, string suffix = "")
    {
        var group = app.MapGroup("/applications/{token}" + suffix);
        group.AddEndpointFilter(async (context, next) =>
            await ResolveAsync(context.HttpContext, withChat: false) ?? await next(context));
        return group;
    }

    /// <summary><c>/applications/{token}/chats/{chat}{suffix}</c>.</summary>
    public static RouteGroupBuilder MapChatGroup(this IEndpointRouteBuilder app, string suffix = "")
    {
        var group = app.MapGroup("/applications/{token}/chats/{chat:int}" + suffix);
        group.AddEndpointFilter(async (context, next) =>
            await ResolveAsync(context.HttpContext, withChat: true) ?? await next(context));
        return group;
    }

    /// <returns>The answer when the request stops here; null when the handler may run.</returns>
    private static async Task<object?> ResolveAsync(HttpContext http, bool withChat)
    {
        var services = http.RequestServices;
        var request = services.GetRequiredService<RequestContext>();
        if (await services.GetRequiredService<ApplicationDirectory>().FindAsync((string)http.GetRouteValue("token")!) is not { } found)
            return TypedResults.NotFound();
        request.Resolve(found, null);
        if ((await CallerAuthentication.IdentifyAsync(http, request) ?? Access.Check(http, request)) is { } refused) return refused;
        if (!withChat) return null;

        if (!int.TryParse((string?)http.GetRouteValue("chat"), NumberStyles.None, CultureInfo.InvariantCulture, out var number)
            || await services.GetRequiredService<ChatDirectory>().FindAsync(found, number) is not { } chat)
            return TypedResults.NotFound();
        request.Resolve(found, chat);
        // Only a user token is limited to some chats: nobody else pays for reading the members here.
        return request.Caller.IsUser
            ? Access.CheckChat(http, request, await request.RosterAsync(services.GetRequiredService<Rosters>()))
            : null;
    }
}
