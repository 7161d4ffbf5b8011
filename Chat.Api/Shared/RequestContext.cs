namespace Chat.Api.Shared;

/// <summary>
/// What a request under <c>/applications/{token}</c> addresses, resolved once by its route group's filter
/// (<see cref="ScopedGroups"/>) before the handler runs: the application, and the chat for routes under
/// <c>/chats/{chat}</c>. Scoped to the request; handlers take it as a parameter.
/// </summary>
public sealed class RequestContext
{
    private KnownApplication? _app;
    private KnownChat? _chat;

    public KnownApplication App => _app ?? throw new InvalidOperationException("This endpoint is not in an application's route group.");
    public KnownChat Chat => _chat ?? throw new InvalidOperationException("This endpoint is not in a chat's route group.");
    public int ChatNumber => Chat.State.Number;

    internal void Resolve(KnownApplication app, KnownChat? chat) => (_app, _chat) = (app, chat);
}
