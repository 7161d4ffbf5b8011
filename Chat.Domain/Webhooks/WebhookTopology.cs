using Chat.Domain.Messaging;
using RabbitMQ.Client;

namespace Chat.Domain.Webhooks;

/// <summary>
/// The webhooks' own queues (docs/decisions/0016), apart from the commands so that no receiver can slow persistence:
/// <list type="bullet">
/// <item><c>chat.webhooks</c>: quorum queue of work for the worker's webhook consumer (batches committed, deliveries,
/// replays), dead-lettered to <c>chat.webhooks.dead</c> after the delivery limit.</item>
/// <item><c>chat.webhooks.wait.{ms}</c>: the retry ladder, one quorum queue per delay (the first retry delay doubled
/// each step): a delivery waits there until its TTL expires and the broker dead-letters it back to
/// <c>chat.webhooks</c>. The broker holds it meanwhile, so waiting deliveries survive worker restarts. Named by their
/// delay, so a changed <c>Webhooks:FirstRetryDelay</c> declares new queues instead of clashing with the old ones.</item>
/// </list>
/// </summary>
public static class WebhookTopology
{
    public const string Queue = "chat.webhooks";
    public const string Dead = "chat.webhooks.dead";
    private const string WaitPrefix = "chat.webhooks.wait.";

    /// <summary>The delays of the ladder: the first retry delay doubled while it stays within <c>RetryFor</c>.</summary>
    public static IReadOnlyList<TimeSpan> Ladder(WebhookOptions options)
    {
        var ladder = new List<TimeSpan>();
        for (var delay = options.FirstRetryDelay; delay <= options.RetryFor && ladder.Count < 30; delay *= 2) ladder.Add(delay);
        return ladder;
    }

    public static string WaitQueue(TimeSpan delay) => WaitPrefix + (long)delay.TotalMilliseconds;

    /// <summary>
    /// The step to wait on before attempt <paramref name="attempt"/> + 1: the first delay doubled per attempt made, but
    /// never past the time left (so the last attempt comes near the end of <c>RetryFor</c>, not a day after it).
    /// </summary>
    public static TimeSpan WaitBefore(int attempt, TimeSpan left, IReadOnlyList<TimeSpan> ladder)
    {
        var wanted = ladder[Math.Clamp(attempt - 1, 0, ladder.Count - 1)];
        return ladder.LastOrDefault(d => d <= wanted && d <= left, ladder[0]);
    }

    public static async Task DeclareAsync(IChannel channel, WebhookOptions options, int deliveryLimit, CancellationToken ct)
    {
        await Topology.DeclareWithDeadLettersAsync(channel, Queue, Dead, deliveryLimit, ct);
        foreach (var delay in Ladder(options))
        {
            var name = WaitQueue(delay);
            await channel.ExchangeDeclareAsync(name, ExchangeType.Fanout, durable: true, cancellationToken: ct);
            await Topology.DeclareQuorumQueueAsync(channel, name, new Dictionary<string, object?>
            {
                ["x-message-ttl"] = (long)delay.TotalMilliseconds,
                ["x-dead-letter-exchange"] = Queue,
                ["x-dead-letter-strategy"] = "at-least-once",
                ["x-overflow"] = "reject-publish",
            }, ct);
        }
    }
}
