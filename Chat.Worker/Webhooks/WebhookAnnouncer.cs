using Chat.Contracts;
using Chat.Domain.Pipeline;
using Chat.Domain.Webhooks;
using Chat.Worker.Persistence;

namespace Chat.Worker.Webhooks;

/// <summary>
/// After a batch committed and before it is acknowledged: one small message on <c>chat.webhooks</c> naming the feed
/// positions it wrote, confirmed by the broker (docs/decisions/0016). A crash in between redelivers the batch, which
/// announces again (at least once). Nothing else happens on the persistence path: finding the webhooks, reading the
/// events and calling receivers is the webhook consumer's.
/// </summary>
public sealed class WebhookAnnouncer(WebhookQueues queues)
{
    public async Task AnnounceAsync(BatchOutcome outcome, CancellationToken ct)
    {
        var positions = outcome.Written.Where(w => w.Write.Kind == Kinds.FeedEvent).Select(w => w.Write.StateAs<FeedEvent>())
            .Where(e => e.Type != FeedEvent.Void)
            .GroupBy(e => e.ApplicationId).ToDictionary(g => g.Key, g => g.Select(e => e.Seq).Distinct().Order().ToArray());
        if (positions.Count == 0) return;
        await queues.PublishAsync(new WebhookWork.Committed(positions), ct);
    }
}
