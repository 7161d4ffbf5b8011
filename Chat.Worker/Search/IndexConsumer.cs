using Chat.Contracts;
using System.Diagnostics;
using Chat.Domain;
using Chat.Domain.Messaging;
using Chat.Domain.Resilience;
using Chat.Domain.Search;
using Chat.Domain.Search.Elasticsearch;
using Chat.Domain.Search.Indexing;
using Chat.Worker.Queueing;
using Microsoft.Extensions.Options;
using Polly;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Chat.Worker.Search;

/// <summary>
/// Feeds Elasticsearch from <c>chat.index</c> in bulk requests. Elasticsearch unavailable: the batch stays
/// unacknowledged and is retried with back-off (after <see cref="SearchOptions.IndexHoldLimit"/> it is put back
/// at the end of the queue), so an outage delays search and loses nothing. A command Elasticsearch rejects for
/// good is dead-lettered with the reason. Runs only with the Elasticsearch provider.
/// </summary>
public sealed partial class IndexConsumer : BatchingConsumer<IndexDelivery>
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    private readonly MessageIndex _index;
    private readonly IndexVersions _versions;
    private readonly IndexDeadLetters _deadLetters;
    private readonly CommandPublisher _publisher;
    private readonly SearchOptions _search;
    private readonly IOptions<MessagingOptions> _messaging;
    private readonly ILogger<IndexConsumer> _log;
    private readonly ResiliencePipeline _untilIndexReady;
    private readonly ResiliencePipeline _whileHeld;

    // The batch being handled (one at a time): since when it waits, and how many of its commands are left.
    private readonly Stopwatch _held = new();
    private int _waiting;

    public IndexConsumer(MessageIndex index, IndexVersions versions, IndexDeadLetters deadLetters, CommandPublisher publisher,
        IOptions<SearchOptions> search, IOptions<ConnectionStringsOptions> connectionStrings, IOptions<MessagingOptions> messaging,
        ILogger<IndexConsumer> log) : base(connectionStrings, log)
    {
        (_index, _versions, _deadLetters, _publisher, _search, _messaging, _log) =
            (index, versions, deadLetters, publisher, search.Value, messaging, log);
        // Elasticsearch may start after the worker: wait for it as long as it takes.
        _untilIndexReady = Retries.Forever(e => e is ElasticsearchException, _search.IndexRetryDelay, MaxDelay,
            (_, delay, e) => LogIndexNotReady(delay.TotalSeconds, e.Message));
        // An outage holds the batch, until the hold limit.
        _whileHeld = Retries.Forever(e => e is ElasticsearchUnavailableException && _held.Elapsed < _search.IndexHoldLimit,
            _search.IndexRetryDelay, MaxDelay, (_, delay, e) => LogUnavailable(_waiting, delay.TotalSeconds, e.Message));
    }

    protected override string Queue => IndexTopology.Queue;
    protected override ushort Prefetch => _search.IndexPrefetch;
    protected override int BatchWeight => _search.IndexBatchSize;
    protected override TimeSpan BatchWindow => _search.IndexBatchWindow;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_search.UsesElasticsearch) return;
        // The index and its alias must exist before the first bulk, which names the alias.
        await _untilIndexReady.ExecuteAsync(async ct => await _versions.EnsureAsync(ct), stoppingToken);
        LogIndexReady();
        await base.ExecuteAsync(stoppingToken);
    }

    protected override Task DeclareAsync(IChannel channel, CancellationToken ct) =>
        IndexTopology.DeclareAsync(channel, _messaging.Value.DeliveryLimit, ct);

    protected override IndexDelivery Read(BasicDeliverEventArgs delivery) => new(delivery.DeliveryTag, delivery.Body.ToArray());

    /// <summary>A bulk request fills up by commands, not deliveries.</summary>
    protected override int WeightOf(IndexDelivery delivery) => delivery.Size;

    /// <returns>Once every command is applied or dead-lettered, or the batch was put back in the queue: safe to ack.</returns>
    protected override async Task HandleAsync(IReadOnlyList<IndexDelivery> batch, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        foreach (var malformed in batch.Where(d => d.Batch is null))
            await _deadLetters.PublishAsync(malformed.Body, "Not an index batch this worker understands (malformed JSON or unknown type).", ct);

        var remaining = batch.Where(d => d.Batch is not null).SelectMany(d => d.Batch!.Commands).ToList();
        var total = remaining.Count;
        _held.Restart();
        try
        {
            await _whileHeld.ExecuteAsync(async token =>
            {
                _waiting = remaining.Count;
                try
                {
                    await ApplyAsync(remaining, token);
                }
                catch (ElasticsearchUnavailableException e) when (e.IndexMissing)
                {
                    // Someone deleted the alias: make the index again before the next try.
                    await _versions.EnsureAsync(token);
                    throw;
                }
            }, ct);
            LogIndexed(total, batch.Count, clock.ElapsedMilliseconds);
        }
        catch (ElasticsearchUnavailableException e) when (!ct.IsCancellationRequested)
        {
            // Fresh copies at the end of the queue (confirmed before the originals are acked), with a fresh delivery count.
            foreach (var delivery in batch.Where(d => d.Batch is not null))
                await _publisher.PublishAsync(IndexTopology.Queue, delivery.Body, messageId: null, headers: null, ct);
            LogRequeued(batch.Count, clock.Elapsed.TotalSeconds, e.Message);
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
            var run = commands[0].AsBulkWrite() is null ? 1 : commands.TakeWhile(c => c.AsBulkWrite() is not null).Count();
            var done = commands.GetRange(0, run);
            try
            {
                if (run > 1 || done[0].AsBulkWrite() is not null) await WriteAsync(done, ct);
                else await RemoveAsync(done[0], ct);
            }
            catch (ElasticsearchException e) when (e is not ElasticsearchUnavailableException)
            {
                // The whole request was refused (not an item): retrying the same request cannot help.
                foreach (var command in done) await _deadLetters.PublishAsync(command, $"Elasticsearch refused the request: {e.Message}", ct);
            }
            commands.RemoveRange(0, run);
        }
    }

    private async Task WriteAsync(List<IndexCommand> commands, CancellationToken ct)
    {
        var operations = commands.Select(c => c.AsBulkWrite()!).ToList();
        var result = await _index.BulkAsync(operations, ct);
        foreach (var failure in result.Failures)
        {
            LogRejected(failure.Status, failure.ErrorType, failure.Reason);
            await _deadLetters.PublishAsync(commands[operations.IndexOf(failure.Operation)], failure, ct);
        }
    }

    /// <summary>Delete-by-query sees only refreshed documents: refresh first, or messages indexed just before would stay.</summary>
    private async Task RemoveAsync(IndexCommand command, CancellationToken ct)
    {
        await _index.RefreshAsync(ct);
        switch (command)
        {
            case RemoveChat chat:
                await _index.DeleteByQueryAsync(chat.ChatKey, chat.AppKey, ct);
                break;
            case RemoveApplication application:
                await _index.DeleteByQueryAsync(null, application.AppKey, ct);
                break;
        }
    }

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
