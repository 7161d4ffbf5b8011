using Chat.Contracts;
using System.Diagnostics;
using Chat.Domain;
using Chat.Domain.Messaging;
using Chat.Domain.Search;
using Chat.Domain.Search.Elasticsearch;
using Chat.Domain.Search.Indexing;
using Chat.Worker.Persistence;
using Chat.Worker.Queueing;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Chat.Worker.Search;

/// <summary>
/// Feeds Elasticsearch from <c>chat.index</c> in bulk requests. Elasticsearch unavailable: the batch stays
/// unacknowledged and is retried with back-off (after <see cref="SearchOptions.IndexHoldLimit"/> it is put back
/// at the end of the queue), so an outage delays search and loses nothing. A command Elasticsearch rejects for
/// good is dead-lettered with the reason. Runs only with the Elasticsearch provider.
/// </summary>
public sealed partial class IndexConsumer(
    ElasticsearchClient elasticsearch, CommandPublisher publisher, IOptions<SearchOptions> search,
    IOptions<ConnectionStringsOptions> connectionStrings, IOptions<MessagingOptions> messaging, ILogger<IndexConsumer> log)
    : BatchingConsumer<IndexDelivery>(connectionStrings, log)
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    protected override string Queue => IndexTopology.Queue;
    protected override ushort Prefetch => search.Value.IndexPrefetch;
    protected override int BatchWeight => search.Value.IndexBatchSize;
    protected override TimeSpan BatchWindow => search.Value.IndexBatchWindow;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!search.Value.UsesElasticsearch) return;
        await EnsureIndexAsync(stoppingToken);
        await base.ExecuteAsync(stoppingToken);
    }

    /// <summary>The index and its alias must exist before the first bulk, or Elasticsearch would create a plain index by that name.</summary>
    private async Task EnsureIndexAsync(CancellationToken ct)
    {
        for (var delay = search.Value.IndexRetryDelay; ; delay = Longer(delay))
        {
            try
            {
                await elasticsearch.EnsureIndexAsync(ct);
                LogIndexReady();
                return;
            }
            catch (ElasticsearchException e)
            {
                LogIndexNotReady(delay.TotalSeconds, e.Message);
                await Task.Delay(delay, ct);
            }
        }
    }

    protected override Task DeclareAsync(IChannel channel, CancellationToken ct) =>
        IndexTopology.DeclareAsync(channel, messaging.Value.DeliveryLimit, ct);

    protected override IndexDelivery Read(BasicDeliverEventArgs delivery) => new(delivery.DeliveryTag, delivery.Body.ToArray());

    /// <summary>A bulk request fills up by commands, not deliveries.</summary>
    protected override int WeightOf(IndexDelivery delivery) => delivery.Size;

    protected override Task HandleAsync(IReadOnlyList<IndexDelivery> batch, CancellationToken ct) => IndexAsync(batch, ct);

    /// <returns>Once every command is applied or dead-lettered, or the batch was put back in the queue: safe to ack.</returns>
    private async Task IndexAsync(IReadOnlyList<IndexDelivery> batch, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        foreach (var malformed in batch.Where(d => d.Batch is null))
            await DeadLetterAsync(malformed.Body, "Not an index batch this worker understands (malformed JSON or unknown type).", ct);

        var remaining = batch.Where(d => d.Batch is not null).SelectMany(d => d.Batch!.Commands).ToList();
        var total = remaining.Count;
        for (var delay = search.Value.IndexRetryDelay; ; delay = Longer(delay))
        {
            try
            {
                await ApplyAsync(remaining, ct);
                LogIndexed(total, batch.Count, clock.ElapsedMilliseconds);
                return;
            }
            catch (ElasticsearchUnavailableException e)
            {
                if (clock.Elapsed + delay > search.Value.IndexHoldLimit)
                {
                    await RequeueAsync(batch.Where(d => d.Batch is not null), ct);
                    LogRequeued(batch.Count, clock.Elapsed.TotalSeconds, e.Message);
                    return;
                }
                LogUnavailable(remaining.Count, delay.TotalSeconds, e.Message);
                await Task.Delay(delay, ct);
            }
        }
    }

    /// <summary>
    /// Applies the commands in order, removing each run from <paramref name="commands"/> once it is done, so a
    /// retry after an outage resumes where it stopped and never dead-letters a failure twice.
    /// </summary>
    private async Task ApplyAsync(List<IndexCommand> commands, CancellationToken ct)
    {
        while (commands.Count > 0)
        {
            var run = commands[0] is RemoveChat or RemoveApplication
                ? 1
                : commands.TakeWhile(c => c is IndexMessage or RemoveMessage).Count();
            var done = commands.GetRange(0, run);
            try
            {
                if (done[0] is IndexMessage or RemoveMessage) await WriteAsync(done, ct);
                else await RemoveAsync(done[0], ct);
            }
            catch (ElasticsearchException e) when (e is not ElasticsearchUnavailableException)
            {
                // The whole request was refused (not an item): retrying the same request cannot help.
                foreach (var command in done) await DeadLetterAsync(command, $"Elasticsearch refused the request: {e.Message}", ct);
            }
            commands.RemoveRange(0, run);
        }
    }

    private async Task WriteAsync(List<IndexCommand> commands, CancellationToken ct)
    {
        var operations = commands.Select(c => c switch
        {
            IndexMessage index => (BulkOperation)new BulkOperation.Index(index.Message, index.Version),
            RemoveMessage remove => new BulkOperation.Delete(remove.ChatKey, remove.Number, remove.Version),
            _ => throw new InvalidOperationException($"{c.GetType().Name} is not a bulk write."),
        }).ToList();
        var result = await elasticsearch.BulkAsync(operations, ct);
        foreach (var failure in result.Failures)
        {
            var command = commands[operations.IndexOf(failure.Operation)];
            LogRejected(failure.Status, failure.ErrorType, failure.Reason);
            await DeadLetterAsync(command, $"Elasticsearch rejected it: {failure.Status} {failure.ErrorType}: {failure.Reason}", ct);
        }
    }

    /// <summary>Delete-by-query sees only refreshed documents: refresh first, or messages indexed just before would stay.</summary>
    private async Task RemoveAsync(IndexCommand command, CancellationToken ct)
    {
        await elasticsearch.RefreshAsync(ct);
        switch (command)
        {
            case RemoveChat chat:
                await elasticsearch.DeleteByQueryAsync(chat.ChatKey, chat.AppKey, ct);
                break;
            case RemoveApplication application:
                await elasticsearch.DeleteByQueryAsync(null, application.AppKey, ct);
                break;
        }
    }

    /// <summary>Fresh copies at the end of the queue (confirmed before the originals are acked), with a fresh delivery count.</summary>
    private async Task RequeueAsync(IEnumerable<IndexDelivery> deliveries, CancellationToken ct)
    {
        foreach (var delivery in deliveries)
            await publisher.PublishAsync(IndexTopology.Queue, delivery.Body, messageId: null, headers: null, ct);
    }

    private Task DeadLetterAsync(IndexCommand command, string reason, CancellationToken ct) =>
        DeadLetterAsync(new IndexBatch([command]).ToJson(), reason, ct);

    private Task DeadLetterAsync(byte[] body, string reason, CancellationToken ct) =>
        publisher.PublishAsync(IndexTopology.Dead, body, messageId: null,
            new Dictionary<string, object?> { [Delivery.ReasonHeader] = reason }, ct);

    private static TimeSpan Longer(TimeSpan delay) => delay * 2 < MaxDelay ? delay * 2 : MaxDelay;

    [LoggerMessage(Level = LogLevel.Information, Message = "Search index ready")]
    private partial void LogIndexReady();

    [LoggerMessage(Level = LogLevel.Warning, Message = "Search index not ready, retrying in {Seconds} s: {Reason}")]
    private partial void LogIndexNotReady(double seconds, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Indexed {Commands} commands from {Deliveries} deliveries in {Elapsed} ms")]
    private partial void LogIndexed(int commands, int deliveries, long elapsed);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Elasticsearch unavailable; {Commands} commands wait, retrying in {Seconds} s: {Reason}")]
    private partial void LogUnavailable(int commands, double seconds, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Elasticsearch still unavailable after {Seconds:0} s; {Deliveries} deliveries put back in chat.index: {Reason}")]
    private partial void LogRequeued(int deliveries, double seconds, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Index command dead-lettered: {Status} {ErrorType}: {Reason}")]
    private partial void LogRejected(int status, string errorType, string reason);
}

/// <summary>One broker message of <c>chat.index</c>; the body is copied because the client reuses its buffer.</summary>
public sealed record IndexDelivery(ulong Tag, byte[] Body) : IQueuedDelivery
{
    public IndexBatch? Batch { get; } = IndexBatch.TryParse(Body);

    /// <summary>What the delivery adds to a bulk request (a malformed one counts as one).</summary>
    public int Size => Batch?.Commands.Count ?? 1;
}
