using Microsoft.AspNetCore.Http.HttpResults;

namespace Chat.Api.Shared.Identity;

/// <summary>
/// The authorization rules of API.md for one application, all here: the route groups (<see cref="ScopedGroups"/>) apply the
/// rule an endpoint declares with one of these conventions, and chat visibility; handlers ask only about the users a body
/// names (<see cref="RequestContext.TryActFor"/>, <see cref="Caller.MayActFor"/>). A forbidden act is a 403; a chat a user
/// may not read is a 404, exactly like a missing one.
/// </summary>
public static class Access
{
    private enum Rule
    {
        /// <summary>Managing the application: the server role, or the path token in open mode; never a user token.</summary>
        Managers,
        /// <summary>Credentials and mode: the server role only.</summary>
        Server,
        /// <summary>Changing a chat (rename, delete, add members): a user token must be one of its members.</summary>
        ChatMembers,
        /// <summary>A route about the user in its <c>{user}</c> segment: a user token only about itself.</summary>
        UserInPath,
    }

    /// <summary>The rule an endpoint declared, as endpoint metadata.</summary>
    private sealed record Declared(Rule Rule);

    public static TBuilder ForManagers<TBuilder>(this TBuilder endpoints) where TBuilder : IEndpointConventionBuilder => Declare(endpoints, Rule.Managers);
    public static TBuilder ForServer<TBuilder>(this TBuilder endpoints) where TBuilder : IEndpointConventionBuilder => Declare(endpoints, Rule.Server);
    public static TBuilder ForChatMembers<TBuilder>(this TBuilder endpoints) where TBuilder : IEndpointConventionBuilder => Declare(endpoints, Rule.ChatMembers);
    public static TBuilder ForUserInPath<TBuilder>(this TBuilder endpoints) where TBuilder : IEndpointConventionBuilder => Declare(endpoints, Rule.UserInPath);

    private static TBuilder Declare<TBuilder>(TBuilder endpoints, Rule rule) where TBuilder : IEndpointConventionBuilder =>
        endpoints.WithMetadata(new Declared(rule));

    private static Rule? RuleOf(HttpContext http) => http.GetEndpoint()?.Metadata.GetMetadata<Declared>()?.Rule;

    /// <summary>The rules that need only the application and the caller; null when the request may go on.</summary>
    public static IResult? Check(HttpContext http, RequestContext request)
    {
        var caller = request.Caller;
        switch (RuleOf(http))
        {
            case Rule.Managers when caller.IsUser:
                return Forbidden("Only the application secret (or, in open mode, the application token) manages the application.");
            case Rule.Server when caller.Role == Role.Token && request.App.Access.SealedSecret is not null:
                return CallerAuthentication.Unauthorized(http, "This needs the application secret: Authorization: Bearer <secret>.");
            case Rule.Server when caller.IsUser:
                return Forbidden("Only the application secret manages the application's credentials and mode.");
            case Rule.UserInPath when !caller.MayActFor(http.GetRouteValue("user") as string):
                return Forbidden("A user token acts only for its own user.");
        }
        return null;
    }

    /// <summary>The rules about the chat the request addresses, whose members are <paramref name="roster"/>.</summary>
    public static IResult? CheckChat(HttpContext http, RequestContext request, Roster roster)
    {
        if (!MayRead(request.Caller, roster)) return TypedResults.NotFound();
        if (request.Caller.IsUser && RuleOf(http) == Rule.ChatMembers && roster.Find(request.Caller.UserId!) is null)
            return Forbidden("Only a member of this chat may change it.");
        return null;
    }

    /// <summary>A user reads a chat it is a member of, or one that has no members at all (an open chat).</summary>
    public static bool MayRead(Caller caller, Roster roster) => !caller.IsUser || roster.Members.Count == 0 || roster.Find(caller.UserId!) is not null;

    public static ProblemHttpResult Forbidden(string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Forbidden", detail: detail);
}
