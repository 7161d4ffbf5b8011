using Chat.Contracts;
using Chat.Domain.Data;
using Chat.Domain.Messaging;
using Chat.Domain.Pipeline;
using Microsoft.Extensions.Options;
using MySqlConnector;
using StackExchange.Redis;

namespace Chat.Worker.Outbox;

/// <summary>What one sweep did.</summary>
/// <param name="Republished">Entries whose state was published again.</param>
/// <param name="Dropped">Entries that no longer named a pending state (persisted or replaced meanwhile), or whose application is gone.</param>
/// <param name="GivenUp">Entries published <see cref="OutboxOptions.MaxTries"/> times without being persisted.</param>
public sealed record SweepResult(int Republished, int Dropped, int GivenUp)
{
    public static readonly SweepResult None = new(0, 0, 0);
    public SweepResult Add(SweepResult other) => new(Republished + other.Republished, Dropped + other.Dropped, GivenUp + other.GivenUp);
}

/// <summary>
/// The last line of "nothing accepted is lost" (docs/decisions/0009). Every state the API accepts stays listed in its
/// application's outbox until the worker has persisted that version. An entry older than <see cref="OutboxOptions.Age"/>
/// names a state whose command did not reach MySQL: lost after the broker confirmed it, or never published because
/// an API replica died between storing it and publishing it. The sweeper publishes the state again, as it is pending
/// now; the worker converges on duplicates, so a state that was only slow costs one redundant write.
/// One worker sweeps at a time (a Redis lock), and none while the queue is behind.
/// </summary>
public sealed partial class OutboxSweeper(
    IDatabase redis, MySqlDataSource database, CommandPublisher publisher, RabbitMqConnection rabbit, TimeProvider clock,
    IOptions<OutboxOptions> options, ILogger<OutboxSweeper> log) : BackgroundService
{
    private const string Lock = "outbox-sweeper";
    private OutboxOptions Options => options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Options.Interval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await SweepAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Redis, MySQL or the broker away: the entries stay, and the next sweep tries again.
                LogFailed(e.Message);
            }
        }
    }

    public async Task<SweepResult> SweepAsync(CancellationToken ct)
    {
        var owner = Guid.NewGuid().ToString();
        if (!await redis.LockTakeAsync(Lock, owner, Options.Interval)) return SweepResult.None;
        try
        {
            var queued = await QueuedCommandsAsync(ct);
            if (queued > Options.MaxQueued)
            {
                LogBehind(queued);
                return SweepResult.None;
            }
            var cutoff = Versions.Of(clock.GetUtcNow().UtcDateTime - Options.Age);
            var applications = (await redis.SortedSetRangeByScoreAsync(RedisKeys.OutboxApplications, stop: cutoff, take: Options.ApplicationsPerSweep))
                .Select(a => (long)a).ToList();
            if (applications.Count == 0) return SweepResult.None;

            var live = await LiveApplicationsAsync(applications, ct);
            var result = SweepResult.None;
            foreach (var application in applications)
                result = result.Add(live.Contains(application) ? await SweepAsync(application, cutoff, ct) : await ForgetAsync(application));
            if (result != SweepResult.None) LogSwept(applications.Count, result.Republished, result.Dropped, result.GivenUp);
            return result;
        }
        finally
        {
            await redis.LockReleaseAsync(Lock, owner);
        }
    }

    private async Task<SweepResult> SweepAsync(long application, long cutoff, CancellationToken ct)
    {
        var outbox = RedisKeys.Outbox(application);
        var tries = RedisKeys.OutboxTries(application);
        var due = (await redis.SortedSetRangeByScoreAsync(outbox, stop: cutoff, take: Options.EntriesPerApplication)).Select(d => (string)d!).ToList();
        if (due.Count == 0)
        {
            await RelistAsync(application);
            return SweepResult.None;
        }
        var lines = due.Select(d => OutboxLine.Parse(d) is { } line && Kinds.ByCode(line.Kind) is { } kind ? (line, kind) : default).ToList();
        var values = await Task.WhenAll(lines.Select(l => l.kind is null
            ? Task.FromResult(RedisValue.Null)
            : redis.HashGetAsync(l.kind.PendingHash(new Scope(application, l.line.ChatNumber)), l.line.Field)));
        var published = await redis.HashGetAsync(tries, due.Select(d => (RedisValue)d).ToArray());

        var stale = new List<string>();
        var spent = new List<string>();
        var again = new List<(string Raw, Write Write)>();
        for (var i = 0; i < due.Count; i++)
        {
            var (line, kind) = lines[i];
            if (kind is null || !values[i].HasValue || PendingValue.VersionOf(values[i]!) != line.Version) stale.Add(due[i]);
            else if ((int)published[i] >= Options.MaxTries) spent.Add(due[i]);
            else again.Add((due[i], new Write(kind, new Scope(application, line.ChatNumber), kind.Restore(line.Field, PendingValue.StateOf(kind, values[i]!)))));
        }

        // The states as they are pending now; a chat's members travel with it, as they were accepted.
        await Task.WhenAll(Kinds.CommandsFor(again.Select(a => a.Write).ToList()).Select(c => publisher.PublishAsync(c, ct)));
        var now = Versions.Of(clock.GetUtcNow().UtcDateTime);
        var writes = new List<Task>();
        foreach (var (raw, write) in again)
        {
            LogRepublished(application, raw, (now - write.Version) / 1_000_000);
            writes.Add(redis.HashIncrementAsync(tries, raw));
            writes.Add(redis.SortedSetAddAsync(outbox, raw, now, SortedSetWhen.Exists)); // unless the worker released it meanwhile
        }
        foreach (var raw in spent) LogGivenUp(application, raw, Options.MaxTries);
        var gone = stale.Concat(spent).Select(r => (RedisValue)r).ToArray();
        if (gone.Length > 0)
        {
            writes.Add(redis.SortedSetRemoveAsync(outbox, gone));
            writes.Add(redis.HashDeleteAsync(tries, gone));
        }
        if (again.Count > 0) writes.Add(redis.KeyExpireAsync(tries, PendingStore.Lifetime));
        await Task.WhenAll(writes);
        await RelistAsync(application);
        return new SweepResult(again.Count, stale.Count, spent.Count);
    }

    /// <summary>The application is deleted (or was never created): nothing of it will be written, so nothing is owed.</summary>
    private async Task<SweepResult> ForgetAsync(long application)
    {
        var dropped = await redis.SortedSetLengthAsync(RedisKeys.Outbox(application));
        await redis.KeyDeleteAsync([RedisKeys.Outbox(application), RedisKeys.OutboxTries(application)]);
        await RelistAsync(application);
        return new SweepResult(0, (int)dropped, 0);
    }

    /// <summary>
    /// Lists the application under its oldest entry, or not at all. Removed first and re-added after reading, so a
    /// put racing with this (entry, then a lowering add to the list) is never left unlisted.
    /// </summary>
    private async Task RelistAsync(long application)
    {
        await redis.SortedSetRemoveAsync(RedisKeys.OutboxApplications, application);
        var oldest = await redis.SortedSetRangeByRankWithScoresAsync(RedisKeys.Outbox(application), 0, 0);
        if (oldest.Length > 0) await PendingStore.ListInOutboxAsync(redis, application, (long)oldest[0].Score);
    }

    private async Task<HashSet<long>> LiveApplicationsAsync(IReadOnlyList<long> ids, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var known = await new Sql(connection, null).ApplicationsAsync(ids, ct);
        return known.Where(a => !a.Value).Select(a => a.Key).ToHashSet();
    }

    private async Task<uint> QueuedCommandsAsync(CancellationToken ct)
    {
        await using var channel = await (await rabbit.GetAsync(ct)).CreateChannelAsync(cancellationToken: ct);
        return (await channel.QueueDeclarePassiveAsync(QueueNames.Commands, ct)).MessageCount;
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Outbox: re-published {Entry} of application {Application}, {Seconds} s after it was accepted (or last re-published) and still not persisted")]
    private partial void LogRepublished(long application, string entry, long seconds);

    [LoggerMessage(Level = LogLevel.Error,
        Message = "Outbox: gave up on {Entry} of application {Application}, still not persisted after {Tries} re-publications (chat.commands.dead has the reason)")]
    private partial void LogGivenUp(long application, string entry, int tries);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox swept {Applications} applications: {Republished} re-published, {Dropped} dropped, {GivenUp} given up")]
    private partial void LogSwept(int applications, int republished, int dropped, int givenUp);

    [LoggerMessage(Level = LogLevel.Information, Message = "Outbox sweep waits: {Queued} commands are queued, so old entries may simply not be consumed yet")]
    private partial void LogBehind(uint queued);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox sweep failed; the next one tries again: {Reason}")]
    private partial void LogFailed(string reason);
}
