using Chat.Api.Shared.Identity;

namespace Chat.Api.Shared;

/// <summary>
/// What a request under <c>/applications/{token}</c> addresses and who sends it, resolved once by its route group's
/// filter (<see cref="ScopedGroups"/>) before the handler runs: the application, the caller, and the chat for routes under
/// <c>/chats/{chat}</c>. Scoped to the request; handlers take it as a parameter.
/// </summary>
public sealed class RequestContext
{
    private KnownApplication? _app;
    private KnownChat? _chat;
    private Caller? _caller;
    private Roster? _roster;

    public KnownApplication App => _app ?? throw new InvalidOperationException("This endpoint is not in an application's route group.");
    public KnownChat Chat => _chat ?? throw new InvalidOperationException("This endpoint is not in a chat's route group.");
    public int ChatNumber => Chat.State.Number;

    /// <summary>Who calls: the path token alone, the server role, or user U (API.md, "Authentication").</summary>
    public Caller Caller => _caller ?? throw new InvalidOperationException("The caller was not identified.");

    /// <summary>
    /// The user a request acts for when it names <paramref name="named"/> (a message's sender, a receipt's user): that one,
    /// or the caller's own user when it names none. False when a user token names another user: a 403.
    /// </summary>
    public bool TryActFor(string? named, out string? user)
    {
        user = named ?? Caller.UserId;
        return Caller.MayActFor(user);
    }

    /// <summary>
    /// The chat's members as this request first read them: the route group reads them for a user token's access, and a
    /// handler that reads before it writes goes on from that read instead of making another. One that reads after its
    /// own write reads afresh (<see cref="Rosters.OfAsync(long, int)"/>).
    /// </summary>
    public async ValueTask<Roster> RosterAsync(Rosters rosters) => _roster ??= await rosters.OfAsync(App.Id, ChatNumber);

    internal void Resolve(KnownApplication app, KnownChat? chat) => (_app, _chat) = (app, chat);

    internal void Identify(Caller caller) => _caller = caller;
}
