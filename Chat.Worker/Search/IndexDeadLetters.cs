using Chat.Domain.Messaging;
using Chat.Domain.Search.Elasticsearch;
using Chat.Domain.Search.Indexing;
using Chat.Worker.Persistence;

namespace Chat.Worker.Search;

/// <summary>
/// Index commands that failed for good go to <c>chat.index.dead</c> as one-command batches, the reason in
/// <c>x-reason</c>; <c>Chat.Worker replay-dead-letters --queue chat.index.dead</c> sends them back once the cause is fixed.
/// </summary>
public sealed class IndexDeadLetters(CommandPublisher publisher, IndexQueues queues)
{
    public Task PublishAsync(IndexCommand command, BulkFailure failure, CancellationToken ct) =>
        PublishAsync(command, $"Elasticsearch rejected it: {failure.Status} {failure.ErrorType}: {failure.Reason}", ct);

    public Task PublishAsync(IndexCommand command, string reason, CancellationToken ct) =>
        PublishAsync(new IndexBatch([command]).ToJson(), reason, ct);

    public async Task PublishAsync(byte[] body, string reason, CancellationToken ct)
    {
        await queues.EnsureAsync(ct);
        await publisher.PublishAsync(IndexTopology.Dead, body, messageId: null,
            new Dictionary<string, object?> { [Delivery.ReasonHeader] = reason }, ct);
    }
}
