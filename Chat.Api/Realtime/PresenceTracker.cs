using System.Collections.Concurrent;

namespace Chat.Api.Realtime;

/// <summary>This replica's hub connections that count for presence, as (application, user) per connection.</summary>
public sealed class PresenceTracker
{
    private readonly ConcurrentDictionary<string, ConcurrentDictionary<(long App, string User), byte>> _connections = new();

    /// <returns>True when the connection was not yet online as this user.</returns>
    public bool Add(string connectionId, long applicationId, string user) =>
        _connections.GetOrAdd(connectionId, _ => new()).TryAdd((applicationId, user), 0);

    public IReadOnlyCollection<(long App, string User)> Remove(string connectionId) =>
        _connections.TryRemove(connectionId, out var users) ? users.Keys.ToList() : [];

    public IEnumerable<(string ConnectionId, long App, string User)> All() =>
        _connections.SelectMany(c => c.Value.Keys.Select(u => (c.Key, u.App, u.User)));
}
