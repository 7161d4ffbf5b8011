using Chat.Contracts;
using RabbitMQ.Client;

namespace Chat.Domain.Messaging;

/// <summary>
/// Queues and exchanges, declared idempotently by every process that uses them (docs/decisions/0004).
/// <list type="bullet">
/// <item><c>chat.commands</c>: quorum queue of commands for the worker; redelivered at most
/// <c>x-delivery-limit</c> times, then dead-lettered.</item>
/// <item><c>chat.commands.retry</c>: commands that must wait (a message whose chat is not persisted yet);
/// after a TTL they flow back to <c>chat.commands</c>.</item>
/// <item><c>chat.commands.dead</c>: what failed for good, with the reason in the <c>x-reason</c> header.</item>
/// </list>
/// </summary>
public static class Topology
{
    public static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    public static async Task DeclareAsync(IChannel channel, int deliveryLimit, CancellationToken ct = default)
    {
        await DeclareWithDeadLettersAsync(channel, QueueNames.Commands, QueueNames.Dead, deliveryLimit, ct);
        await channel.ExchangeDeclareAsync(QueueNames.Retry, ExchangeType.Fanout, durable: true, cancellationToken: ct);
        await DeclareQuorumQueueAsync(channel, QueueNames.Retry, new Dictionary<string, object?>
        {
            ["x-message-ttl"] = (int)RetryDelay.TotalMilliseconds,
            ["x-dead-letter-exchange"] = QueueNames.Commands,
            ["x-dead-letter-strategy"] = "at-least-once",
            ["x-overflow"] = "reject-publish",
        }, ct);
    }

    /// <summary>
    /// A work queue and its dead-letter queue, each a quorum queue behind a fanout exchange of its own name: a
    /// delivery redelivered <paramref name="deliveryLimit"/> times goes to <paramref name="dead"/>. The broker
    /// re-publishes it with confirms, so a dead-lettered message is not dropped on the way.
    /// </summary>
    public static async Task DeclareWithDeadLettersAsync(IChannel channel, string queue, string dead, int deliveryLimit, CancellationToken ct)
    {
        foreach (var exchange in new[] { queue, dead })
            await channel.ExchangeDeclareAsync(exchange, ExchangeType.Fanout, durable: true, cancellationToken: ct);
        await DeclareQuorumQueueAsync(channel, dead, new Dictionary<string, object?>(), ct);
        await DeclareQuorumQueueAsync(channel, queue, new Dictionary<string, object?>
        {
            ["x-delivery-limit"] = deliveryLimit,
            ["x-dead-letter-exchange"] = dead,
            ["x-dead-letter-strategy"] = "at-least-once",
            ["x-overflow"] = "reject-publish",
        }, ct);
    }

    public static async Task DeclareQuorumQueueAsync(IChannel channel, string name, Dictionary<string, object?> arguments, CancellationToken ct)
    {
        arguments["x-queue-type"] = "quorum";
        await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, arguments, cancellationToken: ct);
        await channel.QueueBindAsync(name, name, routingKey: "", cancellationToken: ct);
    }
}
