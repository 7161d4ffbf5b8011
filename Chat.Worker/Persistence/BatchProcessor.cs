using System.Diagnostics;
using Chat.Domain.Counts;
using Chat.Domain.Members;
using Chat.Domain.Messaging;
using Chat.Domain.Pending;
using Chat.Domain.Redis;
using Chat.Worker.Search;
using Microsoft.Extensions.Options;
using MySqlConnector;
using StackExchange.Redis;

namespace Chat.Worker.Persistence;

/// <summary>
/// Takes one batch from delivery to "safe to acknowledge": written to MySQL (retrying while MySQL is away),
/// waiting commands re-queued and failed ones dead-lettered (both confirmed by the broker), then the pending
/// states in Redis released. Only after all of that may the caller ack.
/// </summary>
public sealed partial class BatchProcessor(
    BatchWriter writer, Purger purger, CommandPublisher publisher, PendingStore pending, CountMarks counts, IDatabase redis,
    IndexingPublisher indexing, MemberStore members, IOptions<WorkerOptions> options, ILogger<BatchProcessor> log)
{
    public async Task ProcessAsync(IReadOnlyList<Delivery> batch, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        foreach (var malformed in batch.Where(d => d.Command is null))
            await DeadLetterAsync(malformed.Body, null, malformed.Problem!, ct);

        var deliveries = batch.Where(d => d.Command is not null).ToList();
        var outcome = await WriteWithRetriesAsync(deliveries.Select(d => d.Command!).ToList(), ct);
        foreach (var (command, reason) in outcome.Rejected)
        {
            LogRejected(command.CommandId, reason);
            await DeadLetterAsync(CommandJson.Serialize(command), command.CommandId, reason, ct);
        }
        var waits = deliveries.ToDictionary(d => d.Command!.CommandId, d => d.Waits);
        foreach (var command in outcome.Waiting)
            await WaitAsync(command, waits.GetValueOrDefault(command.CommandId), ct);

        await purger.PurgeAsync(outcome.DeletedChatRows, outcome.DeletedApplications, ct);
        // Confirmed before the ack, so a crash here redelivers the batch and it is published again.
        await indexing.PublishAsync(outcome, ct);
        await ReleasePendingAsync(outcome);
        // Before the ack: if marking fails, the redelivered batch is marked again (docs/decisions/0005).
        await counts.MarkAsync(outcome.TouchedApplications, outcome.TouchedChatRows);
        if (log.IsEnabled(LogLevel.Debug))
        {
            var notWritten = outcome.Waiting.Select(c => c.CommandId).Concat(outcome.Rejected.Select(r => r.Command.CommandId)).ToHashSet();
            LogFinished(string.Join(',', deliveries.Select(d => d.Command!.CommandId).Where(id => !notWritten.Contains(id))));
        }
        LogBatch(batch.Count, outcome.Chats.Count, outcome.Messages.Count, batch.Count(d => d.Redelivered),
            outcome.Waiting.Count, outcome.Rejected.Count + batch.Count - deliveries.Count, clock.ElapsedMilliseconds);
    }

    /// <summary>
    /// MySQL unreachable: keep the batch (unacknowledged) and retry with back-off. Any other error: some command
    /// in the batch cannot be written, so write them one by one and dead-letter only the ones that fail.
    /// </summary>
    private async Task<BatchOutcome> WriteWithRetriesAsync(IReadOnlyList<Command> commands, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await writer.WriteAsync(commands, ct);
            }
            catch (MySqlException e) when (IsTransient(e))
            {
                // Capped at 5 s: one waiting worker costs MySQL nothing, and a longer cap only delays the catch-up.
                var delay = TimeSpan.FromMilliseconds(Math.Min(5_000, 100 * Math.Pow(2, Math.Min(attempt, 10))) * (0.5 + Random.Shared.NextDouble() / 2));
                LogDatabaseDown(attempt, delay.TotalMilliseconds, e.Message);
                await Task.Delay(delay, ct);
            }
            catch (MySqlException e) when (commands.Count > 1)
            {
                LogSplitting(commands.Count, e.Message);
                return await WriteOneByOneAsync(commands, ct);
            }
            catch (MySqlException e)
            {
                var outcome = new BatchOutcome();
                outcome.Rejected.Add((commands[0], $"MySQL rejected the command: {e.Message}"));
                return outcome;
            }
        }
    }

    private async Task<BatchOutcome> WriteOneByOneAsync(IReadOnlyList<Command> commands, CancellationToken ct)
    {
        var total = new BatchOutcome();
        foreach (var command in commands) total.Add(await WriteWithRetriesAsync([command], ct));
        return total;
    }

    // A connection that broke mid-statement ("Failed to read the result set" while MariaDB shut down) is as
    // transient as one that cannot be opened: otherwise a batch of one would be dead-lettered for it.
    private static bool IsTransient(MySqlException e) => e.IsTransient || e.InnerException is IOException or System.Net.Sockets.SocketException
        || e.ErrorCode is MySqlErrorCode.UnableToConnectToHost or MySqlErrorCode.ServerShutdown or MySqlErrorCode.ConnectionCountError
            or MySqlErrorCode.LockDeadlock or MySqlErrorCode.LockWaitTimeout;

    /// <summary>The message's chat is not persisted yet: send it round the retry queue instead of blocking the batch.</summary>
    private async Task WaitAsync(Command command, int waits, CancellationToken ct)
    {
        if (waits >= options.Value.MaxWaits)
        {
            await DeadLetterAsync(CommandJson.Serialize(command), command.CommandId, "Its chat was never persisted.", ct);
            return;
        }
        await publisher.PublishAsync(Topology.Retry, command, new Dictionary<string, object?> { [Delivery.WaitsHeader] = waits + 1 }, ct);
    }

    private Task DeadLetterAsync(byte[] body, Guid? commandId, string reason, CancellationToken ct) =>
        publisher.PublishAsync(Topology.Dead, body, commandId?.ToString(), new Dictionary<string, object?> { [Delivery.ReasonHeader] = reason }, ct);

    /// <summary>What is persisted no longer needs its pending copy, nor its cached chat row (which may be stale or absent).</summary>
    private async Task ReleasePendingAsync(BatchOutcome outcome)
    {
        var releases = new List<Task>();
        foreach (var group in outcome.Chats.GroupBy(c => c.ApplicationId))
            releases.Add(pending.RemoveIfUnchangedAsync(PendingScope.Chats(group.Key), group.Select(c => (c.Number, c.UpdatedAt))));
        foreach (var group in outcome.Messages.Concat(outcome.Settled).GroupBy(m => (m.ApplicationId, m.ChatNumber)))
            releases.Add(pending.RemoveIfUnchangedAsync(PendingScope.Messages(group.Key.ApplicationId, group.Key.ChatNumber),
                group.Select(m => (m.Number, m.UpdatedAt))));
        foreach (var group in outcome.Members.GroupBy(m => (m.ApplicationId, m.ChatNumber)))
            releases.Add(members.ReleaseAsync(group.Key.ApplicationId, group.Key.ChatNumber, group.Select(m => m.Member)));
        // One DEL per application: on a Redis Cluster only keys of one hash tag ({a:ID}) may share a command.
        foreach (var group in outcome.Chats.GroupBy(c => c.ApplicationId))
            releases.Add(redis.KeyDeleteAsync(group.Select(c => RedisKeys.Chat(c.ApplicationId, c.Number)).Distinct().ToArray()));
        await Task.WhenAll(releases);
    }

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
