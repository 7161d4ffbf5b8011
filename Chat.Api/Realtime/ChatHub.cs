using Chat.Api.Shared;
using Chat.Api.Shared.Identity;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;

namespace Chat.Api.Realtime;

/// <summary>
/// The real-time channel at <c>/hubs/chat</c>. A client joins chats and receives their events; joined as a member (with
/// its user id) it also counts as online and may send typing notices. Who it is was settled when it connected
/// (<see cref="RealtimeSetup"/>): a user token is user U, bound to its application, which joins only as U (or watches)
/// and only chats U may read, as on HTTP; no credential is the application token alone, as in open mode. A refusal is a
/// <see cref="HubException"/> whose message starts with the HTTP status it stands for. Events: see <see cref="ChatEvents"/>.
/// </summary>
public sealed class ChatHub(ApplicationDirectory applications, ChatDirectory chats, Rosters rosters, LastMessageNumbers lastNumbers,
    PresenceStore presence, PresenceTracker tracker, JoinedConnections joined, IOptions<RealtimeOptions> options) : Hub
{
    /// <param name="user">A member's user id (for a user token: its own), or null to watch without presence.</param>
    public async Task<JoinedChat> Join(string token, int chat, string? user)
    {
        var state = State;
        if (!state.Joins.TryPermit(options.Value.JoinsPerSecond))
            throw Refused(429, $"A connection may join at most {options.Value.JoinsPerSecond} chats per second.");
        var (caller, bound) = Caller.FromPrincipal(Context.User);
        if (await applications.FindAsync(token) is not { } app || (bound is not null && bound != app.Id)
            || await chats.FindAsync(app, chat) is not { } known)
            throw NotFound();
        if (bound is null && app.Access.RequiresCredential)
            throw Refused(401, "This application needs a user token: connect with it (access_token) and ?application=<token>.");
        if (!caller.MayActFor(user ?? caller.UserId)) throw Refused(403, "A user token joins only as its own user.");
        var roster = await rosters.OfAsync(app.Id, chat);
        if (!Access.MayRead(caller, roster)) throw NotFound();
        if (user is not null && (!UserIds.IsWellFormed(user) || roster.Find(user) is null))
            throw Refused(404, "This user is not a member of the chat.");
        if (!state.Joined.ContainsKey((token, chat)) && state.Joined.Count >= options.Value.MaxChatsPerConnection)
            throw Refused(409, $"A connection may join at most {options.Value.MaxChatsPerConnection} chats.");

        await Groups.AddToGroupAsync(Context.ConnectionId, ChatEvents.Group(app.Id, chat));
        state.Joined[(token, chat)] = new ConnectionState.Membership(app.Id, user);
        joined.Add(app.Id, chat, Context.ConnectionId, user ?? caller.UserId);
        if (user is not null && tracker.Add(Context.ConnectionId, app.Id, user))
            await presence.ConnectAsync(app.Id, user, Context.ConnectionId);
        return new JoinedChat(chat, await lastNumbers.OfAsync(app, known));
    }

    public async Task Leave(string token, int chat)
    {
        if (!State.Joined.Remove((token, chat), out var membership)) return;
        joined.Remove(membership.App, chat, Context.ConnectionId);
        await Groups.RemoveFromGroupAsync(Context.ConnectionId, ChatEvents.Group(membership.App, chat));
    }

    /// <summary>Tells the chat's other connections that this member is typing. Over the per-connection limit, dropped.</summary>
    public async Task Typing(string token, int chat)
    {
        // A member removed since it joined is no longer among the joined connections.
        if (!State.Joined.TryGetValue((token, chat), out var membership) || membership.User is null
            || !joined.Contains(membership.App, chat, Context.ConnectionId))
            throw Refused(403, "Join the chat as a member first.");
        if (!State.Typing.TryPermit(options.Value.TypingPerSecond)) return;
        await Clients.OthersInGroup(ChatEvents.Group(membership.App, chat)).SendAsync(ChatEvents.Typing, new TypingEvent(chat, membership.User));
    }

    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        foreach (var ((_, chat), membership) in State.Joined) joined.Remove(membership.App, chat, Context.ConnectionId);
        foreach (var (app, user) in tracker.Remove(Context.ConnectionId))
            await presence.DisconnectAsync(app, user, Context.ConnectionId);
        await base.OnDisconnectedAsync(exception);
    }

    /// <summary>"404 Not Found: Unknown application or chat.": the same for every chat the caller may not see.</summary>
    private static HubException NotFound() => Refused(404, "Unknown application or chat.");

    private static HubException Refused(int status, string detail) =>
        new($"{status} {ReasonPhrases.GetReasonPhrase(status)}: {detail}");

    /// <summary>Per connection, kept across invocations (a hub instance lives for one call only).</summary>
    private ConnectionState State =>
        (ConnectionState)(Context.Items.TryGetValue(nameof(ConnectionState), out var state) ? state! : Context.Items[nameof(ConnectionState)] = new ConnectionState());
}

/// <summary>The chats a connection joined and its budgets. SignalR runs one invocation per connection at a time.</summary>
internal sealed class ConnectionState
{
    public sealed record Membership(long App, string? User);

    public Dictionary<(string Token, int Chat), Membership> Joined { get; } = [];

    public Window Typing { get; } = new();

    public Window Joins { get; } = new();

    /// <summary>A fixed one-second window.</summary>
    public sealed class Window
    {
        private long _start;
        private int _count;

        public bool TryPermit(int perSecond)
        {
            var now = Environment.TickCount64;
            if (now - _start >= 1000) (_start, _count) = (now, 0);
            return ++_count <= perSecond;
        }
    }
}
