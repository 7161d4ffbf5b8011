using System.Collections.Concurrent;

namespace Chat.Api.Realtime;

/// <summary>
/// This replica's hub connections by the chat they joined, with the user each stands for (the one it joined as, or the
/// user of its user token). What a removed member's connections are found by, and what <c>Typing</c> checks.
/// </summary>
public sealed class JoinedConnections
{
    private readonly ConcurrentDictionary<(long App, int Chat), ConcurrentDictionary<string, string?>> _chats = new();

    public void Add(long app, int chat, string connectionId, string? user) => _chats.GetOrAdd((app, chat), _ => new())[connectionId] = user;

    public void Remove(long app, int chat, string connectionId)
    {
        if (_chats.TryGetValue((app, chat), out var connections)) connections.TryRemove(connectionId, out _);
    }

    public bool Contains(long app, int chat, string connectionId) =>
        _chats.TryGetValue((app, chat), out var connections) && connections.ContainsKey(connectionId);

    /// <summary>Removes and returns the connections that stand for <paramref name="user"/> in the chat.</summary>
    public IReadOnlyList<string> RemoveUser(long app, int chat, string user)
    {
        if (!_chats.TryGetValue((app, chat), out var connections)) return [];
        var removed = connections.Where(c => c.Value == user).Select(c => c.Key).ToList();
        foreach (var connectionId in removed) connections.TryRemove(connectionId, out _);
        return removed;
    }
}
