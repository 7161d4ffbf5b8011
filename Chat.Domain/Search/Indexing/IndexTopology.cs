using Chat.Domain.Messaging;
using RabbitMQ.Client;

namespace Chat.Domain.Search.Indexing;

/// <summary>
/// The indexer's own queues, apart from <c>chat.commands</c> so that Elasticsearch being down delays search and
/// never persistence. Declared only when the Elasticsearch provider is active.
/// <list type="bullet">
/// <item><c>chat.index</c>: quorum queue of <see cref="IndexBatch"/>es; redelivered at most
/// <c>x-delivery-limit</c> times, then dead-lettered.</item>
/// <item><c>chat.index.dead</c>: batches and single commands that failed for good, reason in <c>x-reason</c>.</item>
/// </list>
/// </summary>
public static class IndexTopology
{
    public const string Queue = "chat.index";
    public const string Dead = "chat.index.dead";

    public static Task DeclareAsync(IChannel channel, int deliveryLimit, CancellationToken ct = default) =>
        Topology.DeclareWithDeadLettersAsync(channel, Queue, Dead, deliveryLimit, ct);
}
