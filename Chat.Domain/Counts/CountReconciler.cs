using System.Diagnostics;
using Chat.Contracts;
using Chat.Domain.Resilience;
using Hangfire;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Polly;
using MySqlConnector;
using StackExchange.Redis;

namespace Chat.Domain.Counts;

/// <summary>
/// The count reconciliation job: recounts <c>chats.messages_count</c> and <c>applications.chats_count</c> for the
/// rows marked in <see cref="CountMarks"/>, a chunk of ids per statement, and writes only values that differ.
/// Deleted chats and messages (<c>deleted_at IS NOT NULL</c>) do not count. docs/decisions/0005 says why.
/// </summary>
public sealed partial class CountReconciler(
    MySqlDataSource database, IDatabase redis, CountMarks marks, IOptions<CountsOptions> options, ILogger<CountReconciler> logger)
{
    /// <summary>A run that finds the lock taken tries again every few hundred milliseconds for <see cref="CountsOptions.LockWait"/>.</summary>
    private readonly ResiliencePipeline<bool> _waitForLock = Retries.WaitFor<bool>(taken => !taken, options.Value.LockWait,
        TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(300));

    /// <summary>The recurring job's id in Hangfire.</summary>
    public const string JobId = "reconcile-counts";

    private static readonly TimeSpan LockLease = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan LockRenewal = TimeSpan.FromSeconds(20);

    // Each chunk first selects the rows whose count is wrong (a read, no locks), then updates only those. The
    // UPDATE recomputes the count itself, so a row written in between is never set to a stale number, and "<>"
    // leaves right rows untouched: a run with nothing to fix changes zero rows. The selected keys tell which
    // cached JSON the API must stop serving.
    private const string StaleChatsSql = """
        SELECT c.id, c.application_id, c.number FROM chats c
        LEFT JOIN (SELECT chat_id, COUNT(*) AS n FROM messages
                   WHERE chat_id IN ({0}) AND deleted_at IS NULL GROUP BY chat_id) m ON m.chat_id = c.id
        WHERE c.id IN ({0}) AND c.messages_count <> COALESCE(m.n, 0)
        """;

    private const string ChatsSql = """
        UPDATE chats c
        LEFT JOIN (SELECT chat_id, COUNT(*) AS n FROM messages
                   WHERE chat_id IN ({0}) AND deleted_at IS NULL GROUP BY chat_id) m ON m.chat_id = c.id
        SET c.messages_count = COALESCE(m.n, 0)
        WHERE c.id IN ({0}) AND c.messages_count <> COALESCE(m.n, 0)
        """;

    private const string StaleApplicationsSql = """
        SELECT a.id, a.token FROM applications a
        LEFT JOIN (SELECT application_id, COUNT(*) AS n FROM chats
                   WHERE application_id IN ({0}) AND deleted_at IS NULL GROUP BY application_id) c ON c.application_id = a.id
        WHERE a.id IN ({0}) AND a.chats_count <> COALESCE(c.n, 0)
        """;

    private const string ApplicationsSql = """
        UPDATE applications a
        LEFT JOIN (SELECT application_id, COUNT(*) AS n FROM chats
                   WHERE application_id IN ({0}) AND deleted_at IS NULL GROUP BY application_id) c ON c.application_id = a.id
        SET a.chats_count = COALESCE(c.n, 0)
        WHERE a.id IN ({0}) AND a.chats_count <> COALESCE(c.n, 0)
        """;

    /// <summary>
    /// One run: takes the marks, recounts them and forgets them chunk by chunk. Runs one at a time across all
    /// replicas (a Redis lock); a run that finds the lock taken waits up to <see cref="CountsOptions.LockWait"/>
    /// and then skips, since the marks it would have taken stay for the next run. A run that fails gives its
    /// unfinished marks back and throws, so Hangfire retries it.
    /// </summary>
    [AutomaticRetry(Attempts = 3, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public async Task<CountRun> RunAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var lockToken = Guid.NewGuid().ToString("N");
        if (!await AcquireLockAsync(lockToken, cancellationToken))
        {
            LogSkipped(logger, settings.LockWait);
            return CountRun.Skipped;
        }

        using var lease = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var renewal = RenewLockAsync(lockToken, lease);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        try
        {
            var taken = await marks.TakeAsync();
            var chats = await ReconcileChatsAsync(taken.ChatIds, settings.ChunkSize, lease.Token);
            var apps = await ReconcileApplicationsAsync(taken.ApplicationIds, settings.ChunkSize, lease.Token);
            // Only a run holding the lock adds to the processing sets, so what is left there now is junk.
            await redis.KeyDeleteAsync([CountMarks.ProcessingApplications, CountMarks.ProcessingChats]);
            var run = new CountRun(taken.ApplicationIds.Count, taken.ChatIds.Count, apps, chats, started, DateTimeOffset.UtcNow);
            LogReconciled(logger, run.ApplicationsChecked, run.ApplicationsChanged, run.ChatsChecked, run.ChatsChanged, clock.ElapsedMilliseconds);
            return run;
        }
        catch (Exception e)
        {
            LogFailed(logger, e);
            await GiveBackQuietlyAsync();
            throw;
        }
        finally
        {
            await lease.CancelAsync();
            await renewal;
            await redis.LockReleaseAsync(CountMarks.RunLock, lockToken);
        }
    }

    private Task<int> ReconcileChatsAsync(IReadOnlyList<long> ids, int chunkSize, CancellationToken ct) =>
        ReconcileAsync(ids, chunkSize, CountMarks.ProcessingChats, StaleChatsSql, ChatsSql,
            reader => RedisKeys.Chat(reader.GetInt64(1), reader.GetInt32(2)), ct);

    private Task<int> ReconcileApplicationsAsync(IReadOnlyList<long> ids, int chunkSize, CancellationToken ct) =>
        ReconcileAsync(ids, chunkSize, CountMarks.ProcessingApplications, StaleApplicationsSql, ApplicationsSql,
            reader => RedisKeys.ApplicationByToken(reader.GetString(1)), ct);

    /// <summary>Chunk by chunk: find the wrong counts, fix them, evict their cached JSON, then forget the marks.</summary>
    private async Task<int> ReconcileAsync(IReadOnlyList<long> ids, int chunkSize, RedisKey processing,
        string staleSql, string updateSql, Func<MySqlDataReader, RedisKey> cacheKey, CancellationToken ct)
    {
        var changed = 0;
        foreach (var chunk in ids.Chunk(chunkSize))
        {
            var stale = new List<(long Id, RedisKey CacheKey)>();
            await using (var connection = await database.OpenConnectionAsync(ct))
            {
                await using (var select = connection.CreateCommand())
                {
                    select.CommandText = string.Format(staleSql, InList(chunk));
                    await using var reader = await select.ExecuteReaderAsync(ct);
                    while (await reader.ReadAsync(ct)) stale.Add((reader.GetInt64(0), cacheKey(reader)));
                }
                if (stale.Count > 0)
                {
                    await using var update = connection.CreateCommand();
                    update.CommandText = string.Format(updateSql, InList(stale.Select(s => s.Id)));
                    changed += await update.ExecuteNonQueryAsync(ct);
                }
            }
            // The API caches applications and chats, counts included, for minutes. One key per DEL: the keys live
            // in different Cluster slots.
            await Task.WhenAll(stale.Select(s => redis.KeyDeleteAsync(s.CacheKey)));
            await marks.DoneAsync(processing, chunk);
        }
        return changed;
    }

    // Ids are longs parsed from Redis, so literals are safe, and one statement text per chunk size is no worse
    // for the server than a thousand parameters.
    private static string InList(IEnumerable<long> ids) => string.Join(",", ids);

    private async Task<bool> AcquireLockAsync(string lockToken, CancellationToken ct) =>
        await _waitForLock.ExecuteAsync(async _ => await redis.LockTakeAsync(CountMarks.RunLock, lockToken, LockLease), ct);

    /// <summary>Extends the lease while the run lasts; a run that lost its lock is cancelled before it overlaps another.</summary>
    private async Task RenewLockAsync(string lockToken, CancellationTokenSource lease)
    {
        try
        {
            while (!lease.IsCancellationRequested)
            {
                await Task.Delay(LockRenewal, lease.Token);
                if (!await redis.LockExtendAsync(CountMarks.RunLock, lockToken, LockLease))
                {
                    LogLockLost(logger, null);
                    await lease.CancelAsync();
                }
            }
        }
        catch (OperationCanceledException)
        {
            // the run ended
        }
        catch (RedisException e)
        {
            LogLockLost(logger, e);
            await lease.CancelAsync();
        }
    }

    private async Task GiveBackQuietlyAsync()
    {
        try
        {
            await marks.GiveBackAsync();
        }
        catch (RedisException e)
        {
            // The marks stay in the processing sets, where the next run's TakeAsync finds them.
            LogGiveBackFailed(logger, e);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Counts reconciled: {Applications} applications checked, {ApplicationsChanged} changed; {Chats} chats checked, {ChatsChanged} changed; {Milliseconds} ms")]
    private static partial void LogReconciled(ILogger logger, int applications, int applicationsChanged, int chats, int chatsChanged, long milliseconds);

    [LoggerMessage(Level = LogLevel.Information, Message = "Count reconciliation skipped: another run held the lock for {Wait}; the marks wait for the next run")]
    private static partial void LogSkipped(ILogger logger, TimeSpan wait);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Count reconciliation failed; its marks are kept for the next run")]
    private static partial void LogFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Count reconciliation lost its lock and stops")]
    private static partial void LogLockLost(ILogger logger, Exception? exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not give the marks back; the next run takes them from the processing sets")]
    private static partial void LogGiveBackFailed(ILogger logger, Exception exception);
}

/// <summary>What one run did. <see cref="RowsChanged"/> is zero when nothing had changed since the last run.</summary>
public sealed record CountRun(
    int ApplicationsChecked, int ChatsChecked, int ApplicationsChanged, int ChatsChanged,
    DateTimeOffset StartedAt, DateTimeOffset FinishedAt, bool WasSkipped = false)
{
    public static CountRun Skipped => new(0, 0, 0, 0, DateTimeOffset.UtcNow, DateTimeOffset.UtcNow, WasSkipped: true);

    public int RowsChanged => ApplicationsChanged + ChatsChanged;
}
