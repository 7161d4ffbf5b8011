using Chat.Api.Shared;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;

namespace Chat.Api.Realtime;

/// <summary>
/// The real-time channel at <c>/hubs/chat</c>. A client joins chats with the application token (the same credential
/// as the HTTP API) and receives their events; joined as a member (with its user id) it also counts as online and
/// may send typing notices. Events: see <see cref="ChatEvents"/>.
/// </summary>
public sealed class ChatHub(ApplicationDirectory applications, ChatDirectory chats, Rosters rosters,
    LastMessageNumbers lastNumbers, PresenceStore presence, PresenceTracker tracker, IOptions<RealtimeOptions> options) : Hub
{
    /// <param name="user">A member's user id, or null to watch without presence.</param>
    public async Task<JoinedChat> Join(string token, int chat, string? user)
    {
        if (await applications.FindAsync(token) is not { } app || await chats.FindAsync(app, chat) is not { } known)
            throw new HubException("Unknown application or chat.");
        if (user is not null && (!UserIds.IsWellFormed(user) || (await rosters.OfAsync(app.Id, chat)).Find(user) is null))
            throw new HubException("This user is not a member of the chat.");
        var state = State;
        if (!state.Joined.ContainsKey((token, chat)) && state.Joined.Count >= options.Value.MaxChatsPerConnection)
            throw new HubException($"A connection may join at most {options.Value.MaxChatsPerConnection} chats.");

        await Groups.AddToGroupAsync(Context.ConnectionId, ChatEvents.Group(app.Id, chat));
        state.Joined[(token, chat)] = new ConnectionState.Membership(app.Id, user);
        if (user is not null && tracker.Add(Context.ConnectionId, app.Id, user))
            await presence.ConnectAsync(app.Id, user, Context.ConnectionId);
        return new JoinedChat(chat, await lastNumbers.OfAsync(app, known));
    }

    public async Task Leave(string token, int chat)
    {
        if (State.Joined.Remove((token, chat), out var joined))
            await Groups.RemoveFromGroupAsync(Context.ConnectionId, ChatEvents.Group(joined.App, chat));
    }

    /// <summary>Tells the chat's other connections that this member is typing. Over the per-connection limit, dropped.</summary>
    public async Task Typing(string token, int chat)
    {
        if (!State.Joined.TryGetValue((token, chat), out var joined) || joined.User is null)
            throw new HubException("Join the chat as a member first.");
        if (!State.TryTypingPermit(options.Value.TypingPerSecond)) return;
        await Clients.OthersInGroup(ChatEvents.Group(joined.App, chat)).SendAsync(ChatEvents.Typing, new TypingEvent(chat, joined.User));
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        foreach (var (app, user) in tracker.Remove(Context.ConnectionId))
            await presence.DisconnectAsync(app, user, Context.ConnectionId);
        await base.OnDisconnectedAsync(exception);
    }

    /// <summary>Per connection, kept across invocations (a hub instance lives for one call only).</summary>
    private ConnectionState State =>
        (ConnectionState)(Context.Items.TryGetValue(nameof(ConnectionState), out var state) ? state! : Context.Items[nameof(ConnectionState)] = new ConnectionState());
}

/// <summary>The chats a connection joined and its typing budget. SignalR runs one invocation per connection at a time.</summary>
internal sealed class ConnectionState
{
    public sealed record Membership(long App, string? User);

    public Dictionary<(string Token, int Chat), Membership> Joined { get; } = [];

    private long _windowStart;
    private int _inWindow;

    /// <summary>A fixed one-second window.</summary>
    public bool TryTypingPermit(int perSecond)
    {
        var now = Environment.TickCount64;
        if (now - _windowStart >= 1000) (_windowStart, _inWindow) = (now, 0);
        return ++_inWindow <= perSecond;
    }
}
