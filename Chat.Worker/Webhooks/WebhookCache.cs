using System.Collections.Concurrent;
using Chat.Domain.Webhooks;

namespace Chat.Worker.Webhooks;

/// <summary>
/// Webhook rows as the sender reads them, kept one second: under load one lookup serves many deliveries instead of one
/// query each. A deletion or disabling elsewhere is seen within that second; a 410 seen here is seen at once.
/// </summary>
public sealed class WebhookCache(WebhookStore store, TimeProvider clock)
{
    private static readonly TimeSpan Fresh = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<(long, string), (WebhookRow? Row, DateTimeOffset At)> _rows = new();

    public async Task<WebhookRow?> FindAsync(long app, string id, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        if (_rows.TryGetValue((app, id), out var cached) && now - cached.At < Fresh) return cached.Row;
        var row = await store.FindAsync(app, id, ct);
        if (_rows.Count > 10_000) _rows.Clear();
        _rows[(app, id)] = (row, now);
        return row;
    }

    public void Forget(long app, string id) => _rows.TryRemove((app, id), out _);
}
