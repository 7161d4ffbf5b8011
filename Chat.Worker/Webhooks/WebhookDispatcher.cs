using Chat.Domain.Webhooks;

namespace Chat.Worker.Webhooks;

/// <summary>
/// Turns announced positions and replays into deliveries, one per event and webhook that wants it (docs/decisions/0016).
/// A fan-out sends them at once and queues only what its receiver did not take; a replay queues them all. Either way,
/// each is answered or confirmed by the broker before the work that caused it is acknowledged. The body is made here
/// once, so every retry sends the same bytes.
/// </summary>
public sealed class WebhookDispatcher(WebhookStore store, WebhookQueues queues, WebhookSender sender, TimeProvider clock)
{
    /// <summary>A replay reads and publishes this many events per step, then continues in a message of its own.</summary>
    public const int ReplayPage = 500;

    public async Task FanOutAsync(WebhookWork.Committed committed, CancellationToken ct)
    {
        var hooks = (await store.ActiveOfAsync(committed.Positions.Keys, ct)).GroupBy(h => h.ApplicationId).ToDictionary(g => g.Key, g => g.ToList());
        if (hooks.Count == 0) return;
        var tokens = await store.TokensAsync(hooks.Keys, ct);
        var deliveries = new List<WebhookWork.Delivery>();
        foreach (var (app, appHooks) in hooks)
        {
            if (!tokens.TryGetValue(app, out var token)) continue; // the application is gone
            var events = await store.FeedRowsAsync(app, committed.Positions[app], ct);
            deliveries.AddRange(DeliveriesOf(app, token, appHooks, events));
        }
        await sender.SendOrQueueAsync(deliveries, ct);
    }

    public async Task ReplayAsync(WebhookWork.Replay replay, CancellationToken ct)
    {
        if (await store.FindAsync(replay.ApplicationId, replay.Webhook, ct) is not { DisabledAt: null } hook) return;
        if ((await store.TokensAsync([replay.ApplicationId], ct)).GetValueOrDefault(replay.ApplicationId) is not { } token) return;
        var events = await store.FeedRangeAsync(replay.ApplicationId, replay.AfterSeq, replay.UntilSeq, ReplayPage, ct);
        await queues.PublishAllAsync(DeliveriesOf(replay.ApplicationId, token, [hook], events), ct);
        // Voids are left out of a page, so a short page may still not be the end: continue from the last position read.
        if (events.Count > 0 && events[^1].Seq < replay.UntilSeq)
            await queues.PublishAsync(replay with { AfterSeq = events[^1].Seq }, ct);
    }

    private IEnumerable<WebhookWork.Delivery> DeliveriesOf(long app, string token, List<WebhookRow> hooks, List<FeedRow> events)
    {
        var now = clock.GetUtcNow().UtcDateTime;
        foreach (var e in events)
        foreach (var hook in hooks.Where(h => WebhookEvents.Wants(h.Events, e.Type)))
            yield return new WebhookWork.Delivery(app, hook.Id, e.Seq, e.Type, WebhookPayload.Body(hook.Id, token, e), Attempt: 0, FirstAttemptAt: now);
    }
}
