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

    internal void Resolve(KnownApplication app, KnownChat? chat) => (_app, _chat) = (app, chat);

    internal void Identify(Caller caller) => _caller = caller;
}
