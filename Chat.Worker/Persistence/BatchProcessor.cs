using System.Diagnostics;
using Chat.Contracts;
using Chat.Domain.Counts;
using Chat.Domain.Messaging;
using Chat.Domain.Pipeline;
using Chat.Domain.Resilience;
using Chat.Domain.Telemetry;
using Chat.Worker.Search;
using Chat.Worker.Webhooks;
using Microsoft.Extensions.Options;
using MySqlConnector;
using Polly;

namespace Chat.Worker.Persistence;

/// <summary>
/// Takes one batch from delivery to "safe to acknowledge": written to MySQL (retrying while MySQL is away),
/// waiting commands re-queued and failed ones dead-lettered (both confirmed by the broker), then the pending
/// states in Redis released. Only after all of that may the caller ack.
/// </summary>
public sealed partial class BatchProcessor
{
    private readonly BatchWriter _writer;
    private readonly Purger _purger;
    private readonly CommandPublisher _publisher;
    private readonly PendingStore _pending;
    private readonly CountMarks _counts;
    private readonly IndexingPublisher _indexing;
    private readonly WebhookAnnouncer _webhooks;
    private readonly IOptions<WorkerOptions> _options;
    private readonly ILogger<BatchProcessor> _log;

    /// <summary>
    /// MySQL unreachable: the batch stays unacknowledged and is written again with back-off, capped at 5 s: one waiting
    /// worker costs MySQL nothing, and a longer cap only delays the catch-up.
    /// </summary>
    private readonly ResiliencePipeline _untilMySqlAnswers;

    public BatchProcessor(BatchWriter writer, Purger purger, CommandPublisher publisher, PendingStore pending, CountMarks counts,
        IndexingPublisher indexing, WebhookAnnouncer webhooks, IOptions<WorkerOptions> options, ILogger<BatchProcessor> log)
    {
        (_writer, _purger, _publisher, _pending, _counts, _indexing, _webhooks, _options, _log) =
            (writer, purger, publisher, pending, counts, indexing, webhooks, options, log);
        _untilMySqlAnswers = Retries.Forever(e => e is MySqlException m && IsTransient(m) || e is MySqlEndOfStreamException, TimeSpan.FromMilliseconds(100), TimeSpan.FromSeconds(5),
            (attempt, delay, e) => LogDatabaseDown(attempt, delay.TotalMilliseconds, e.Message));
    }

    /// <summary>
    /// One span for the batch, linked to each command's publisher, and one per command in that command's own trace, so
    /// one message's trace runs from the API's request through the publish to this commit (docs/decisions/0018).
    /// </summary>
    public async Task ProcessAsync(IReadOnlyList<Delivery> batch, CancellationToken ct)
    {
        var traced = batch.Where(d => d.Parent != default).ToList();
        using var batchSpan = ChatTelemetry.Source.StartActivity("persist batch", ActivityKind.Consumer, parentContext: default,
            tags: [new("chat.batch.size", batch.Count)], links: traced.Select(d => new ActivityLink(d.Parent)));
        var commandSpans = traced.Select(d => ChatTelemetry.Source.StartActivity("persist command", ActivityKind.Consumer, d.Parent))
            .OfType<Activity>().ToList();
        // Starting a span makes it current: the batch's own work (MySQL, Redis, publishes) belongs to the batch span.
        Activity.Current = batchSpan;
        try
        {
            await ProcessBatchAsync(batch, ct);
            ChatTelemetry.BatchSize.Record(batch.Count);
            var now = DateTimeOffset.UtcNow;
            foreach (var delivery in batch)
                if (delivery.AcceptedAt is { } accepted)
                    ChatTelemetry.PersistLag.Record(Math.Max(0, (now - accepted).TotalSeconds));
        }
        catch (Exception e)
        {
            foreach (var span in commandSpans) span.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            throw;
        }
        finally
        {
            foreach (var span in commandSpans) span.Stop();
            Activity.Current = batchSpan;
        }
    }

    private async Task ProcessBatchAsync(IReadOnlyList<Delivery> batch, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        foreach (var malformed in batch.Where(d => d.Command is null))
            await DeadLetterAsync(malformed.Body, null, malformed.Problem!, ct);

        // A command sent again (from the retry queue, or by the outbox) while its first copy was still queued can arrive
        // twice in one batch: it is written once, and both copies are acknowledged with the batch.
        var deliveries = batch.Where(d => d.Command is not null).DistinctBy(d => d.Command!.CommandId).ToList();
        var outcome = await WriteAsync(deliveries.Select(d => d.Command!).ToList(), ct);
        foreach (var (command, reason) in outcome.Rejected)
        {
            LogRejected(command.CommandId, reason);
            await DeadLetterAsync(CommandJson.Serialize(command), command.CommandId, reason, ct);
        }
        var waits = deliveries.ToDictionary(d => d.Command!.CommandId, d => d.Waits);
        foreach (var command in outcome.Waiting)
            await WaitAsync(command, waits.GetValueOrDefault(command.CommandId), ct);

        await _purger.PurgeAsync(outcome.DeletedChatRows, outcome.DeletedApplications, ct);
        // Confirmed before the ack, so a crash here redelivers the batch and it is published again.
        await _indexing.PublishAsync(outcome, ct);
        // Likewise: the committed feed positions, for the webhooks (docs/decisions/0016); never a receiver on this path.
        await _webhooks.AnnounceAsync(outcome, ct);
        // What is persisted no longer needs its pending copy or outbox line, nor its cached rows.
        await Task.WhenAll(outcome.Persisted.GroupBy(w => w.Scope.ApplicationId).Select(app => _pending.ReleaseAsync(app.ToList())));
        await _pending.ForgetCachedRostersAsync(outcome.RaisedCursors);
        // Before the ack: if marking fails, the redelivered batch is marked again (docs/decisions/0005).
        await _counts.MarkAsync(outcome.TouchedApplications, outcome.TouchedChatRows);
        if (_log.IsEnabled(LogLevel.Debug))
            LogFinished(string.Join(',', deliveries.Select(d => d.Command!).Where(c => !outcome.Holds(c)).Select(c => c.CommandId)));
        LogBatch(batch.Count, outcome.Chats.Count(), outcome.Messages.Count(), batch.Count(d => d.Redelivered),
            outcome.Waiting.Count, outcome.Rejected.Count + batch.Count(d => d.Command is null), clock.ElapsedMilliseconds);
    }

    /// <summary>
    /// Retries while MySQL is unreachable. Any other MySQL error: some command in the batch cannot be written, so
    /// write them one by one and dead-letter only the ones that fail.
    /// </summary>
    private async Task<BatchOutcome> WriteAsync(IReadOnlyList<Command> commands, CancellationToken ct)
    {
        try
        {
            return await _untilMySqlAnswers.ExecuteAsync(async token => await _writer.WriteAsync(commands, token), ct);
        }
        catch (MySqlException e) when (commands.Count > 1)
        {
            LogSplitting(commands.Count, e.Message);
            var total = new BatchOutcome();
            foreach (var command in commands) total.Add(await WriteAsync([command], ct));
            return total;
        }
        catch (MySqlException e)
        {
            var outcome = new BatchOutcome();
            outcome.Reject(commands[0], $"MySQL rejected the command: {e.Message}");
            return outcome;
        }
    }

    // A connection that broke mid-statement ("Failed to read the result set" while MariaDB shut down, or a bare
    // MySqlEndOfStreamException between two statements) is as transient as one that cannot be opened: otherwise a
    // batch of one would be dead-lettered for it.
    private static bool IsTransient(MySqlException e) => e.IsTransient || e.InnerException is IOException or System.Net.Sockets.SocketException
        || e.ErrorCode is MySqlErrorCode.UnableToConnectToHost or MySqlErrorCode.ServerShutdown or MySqlErrorCode.ConnectionCountError
            or MySqlErrorCode.LockDeadlock or MySqlErrorCode.LockWaitTimeout;

    /// <summary>The command's chat is not persisted yet: send it round the retry queue instead of blocking the batch.</summary>
    private async Task WaitAsync(Command command, int waits, CancellationToken ct)
    {
        if (waits >= _options.Value.MaxWaits)
        {
            await DeadLetterAsync(CommandJson.Serialize(command), command.CommandId, "Its chat was never persisted.", ct);
            return;
        }
        await _publisher.PublishAsync(QueueNames.Retry, command, new Dictionary<string, object?> { [Delivery.WaitsHeader] = waits + 1 }, ct);
    }

    private Task DeadLetterAsync(byte[] body, Guid? commandId, string reason, CancellationToken ct) =>
        _publisher.PublishAsync(QueueNames.Dead, body, commandId?.ToString(), new Dictionary<string, object?> { [Delivery.ReasonHeader] = reason }, ct);

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Batch of {Deliveries}: {Chats} chats and {Messages} messages written, {Redelivered} redelivered, {Waiting} waiting for their chat, {Rejected} dead-lettered, {Elapsed} ms")]
    private partial void LogBatch(int deliveries, int chats, int messages, int redelivered, int waiting, int rejected, long elapsed);

    /// <summary>Debug only: the ids of the commands a batch wrote, once it is safe to acknowledge (see Acceptance's log).</summary>
    [LoggerMessage(Level = LogLevel.Debug, Message = "Finished commands {CommandIds}")]
    private partial void LogFinished(string commandIds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MySQL unavailable (attempt {Attempt}), retrying in {Delay:0} ms: {Reason}")]
    private partial void LogDatabaseDown(int attempt, double delay, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Batch of {Count} failed ({Reason}); writing its commands one by one")]
    private partial void LogSplitting(int count, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Command {CommandId} dead-lettered: {Reason}")]
    private partial void LogRejected(Guid commandId, string reason);
}
