using System.Globalization;
using Chat.Contracts;
using Chat.Domain.Redis;
using StackExchange.Redis;

namespace Chat.Domain.Pipeline;

/// <summary>
/// Accepted states the worker has not persisted yet, in Redis, so every replica reads its writes at once
/// (docs/decisions/0004, 0010). Each state is a field of one hash per view (<see cref="WriteKind.ViewsOf"/>), with a
/// sorted-set index for range reads, and is listed in its application's outbox until the worker persisted that
/// version (docs/decisions/0009). An older state never replaces a newer one; a final hidden state (a deletion) is
/// never replaced at all, exactly as in MySQL. Every multi-key script stays within one application's hash tag.
/// </summary>
public sealed class PendingStore(IDatabase redis)
{
    /// <summary>A safety net for everything pending: states of a command that ended in the dead-letter queue do not live forever.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(2);

    private static readonly long Ttl = (long)Lifetime.TotalSeconds;
    private static readonly RedisScript Accept = RedisScript.Load("accept");
    private static readonly RedisScript TakeBack = RedisScript.Load("take_back");
    private static readonly RedisScript Release = RedisScript.Load("release");
    private static readonly RedisScript Range = RedisScript.Load("range");

    /// <summary>
    /// What became of one write: stored (replacing <paramref name="Found"/>, "" for nothing; its feed position in the
    /// write's <see cref="Write.Seq"/>) or refused by <paramref name="Found"/>.
    /// </summary>
    public sealed record Put(Write Write, bool Stored, string Found);

    /// <summary>What one atomic store did with each write, and whether the feed's block of positions runs low.</summary>
    public sealed record Outcome(IReadOnlyList<Put> Puts, bool FeedRunsLow);

    /// <summary>
    /// Stores the writes of one application in one atomic step, each listed in the outbox and with its feed entry at
    /// the next positions if it was stored. Null, with nothing stored, when the feed needs a new block of positions first.
    /// </summary>
    public async Task<Outcome?> PutAsync(IReadOnlyList<Write> writes)
    {
        var application = ApplicationOf(writes);
        var (keys, args) = Layout(FeedHead(application), [Ttl], writes.Select(w => (w, new RedisValue[]
        {
            w.Version, w.Base, PendingValue.Of(w), w.Kind.HiddenIsFinal ? "1" : "0", w.Line.ToString(),
            w.Event is null ? "" : PendingValue.Of(Kinds.FeedEvent.Write(Kinds.FeedEvent.EventOf(w))),
            new OutboxLine(Kinds.FeedEvent.Code, w.Version, 0, "").ToString(),
        }, (RedisKey?)null)));
        var results = (RedisResult[])(await Accept.RunAsync(redis, keys, args))!;
        // Listed only after the script: on a Redis Cluster the list is on another node, and a listing that overtook its
        // line could be undone by a sweep in between, leaving the line unlisted (docs/decisions/0013).
        await ListInOutboxAsync(redis, application, writes.Min(w => w.Version));
        if (results.Length == 1 && results[0].Resp2Type == ResultType.Integer) return null;
        var puts = writes.Select((w, i) => (RedisResult[])results[i]!)
            .Select((r, i) => (int)r[0] == 1 ? new Put(writes[i] with { Seq = (long)r[2] }, true, (string)r[1]!) : new Put(writes[i], false, (string)r[1]!))
            .ToList();
        return new Outcome(puts, (int)results[writes.Count] == 1);
    }

    /// <summary>
    /// The broker never confirmed these stored writes: put back what each replaced (an edit of a message that is not
    /// persisted yet must not hide the message), or remove it; a newer state stays. Their feed positions become voids
    /// (<paramref name="voidAt"/> is their version), listed in the outbox to be written in their place.
    /// </summary>
    public Task TakeBackAsync(IReadOnlyList<Put> stored, DateTime voidAt)
    {
        if (stored.Count == 0) return Task.CompletedTask;
        var (keys, args) = Layout(FeedHead(ApplicationOf(stored.Select(p => p.Write).ToList())), [], stored.Select(p =>
        {
            var entry = p.Write.Seq > 0 ? Kinds.FeedEvent.EventOf(p.Write) : null;
            var voided = entry is null ? null : Kinds.FeedEvent.Write(entry with { Type = FeedEvent.Void, State = null, UpdatedAt = voidAt });
            return (p.Write, new RedisValue[]
            {
                p.Write.Version, p.Found, p.Write.Line.ToString(), p.Write.Seq,
                voided is null ? "" : PendingValue.Of(voided), voided?.Line.ToString() ?? "",
                entry is null ? "" : Kinds.FeedEvent.Write(entry).Line.ToString(),
            }, (RedisKey?)null);
        }));
        return TakeBack.RunAsync(redis, keys, args);
    }

    /// <summary>The keys accept.lua and take_back.lua start with: the outbox, the feed's positions and its pending entries.</summary>
    private static RedisKey[] FeedHead(long application)
    {
        var feed = Kinds.FeedEvent.PendingHash(FeedEventKind.ScopeOf(application));
        return [RedisKeys.Outbox(application), RedisKeys.FeedSeq(application), feed, RedisKeys.PendingIndex(feed)];
    }

    /// <summary>
    /// How long a kind's released copy (<see cref="WriteKind.ReleasedCopyOf"/>) outlives its last release: longer than
    /// any cached copy that may have been loaded before that release lives (Rosters keep theirs a minute).
    /// </summary>
    public static readonly TimeSpan ReleasedCopyLifetime = TimeSpan.FromMinutes(10);

    /// <summary>
    /// After the worker committed these writes of one application: forget the pending copies still at exactly these
    /// versions, their outbox lines, and every cached row they changed (by raising its generation); keep each state in
    /// its kind's released copy, if it has one, unless a newer one is there.
    /// </summary>
    public Task ReleaseAsync(IReadOnlyList<Write> persisted)
    {
        var generations = persisted.Select(w => w.Kind.GenerationOf(w.Scope, w.State)).OfType<string>().Distinct().Select(g => (RedisKey)g).ToList();
        // A batch of receipts repeats the same state many times.
        var states = persisted.DistinctBy(w => w.Line).Select(w => (w, w.Kind.ReleasedCopyOf(w.Scope)) switch
        {
            (var write, null) => (write, new RedisValue[] { write.Version, write.Line.ToString(), "" }, (RedisKey?)null),
            (var write, var copy) => (write, new RedisValue[] { write.Version, write.Line.ToString(), PendingValue.Of(write) }, (RedisKey?)copy),
        });
        var (keys, args) = Layout([RedisKeys.Outbox(ApplicationOf(persisted)), .. generations],
            [Ttl, generations.Count, (long)ReleasedCopyLifetime.TotalSeconds], states);
        return Release.RunAsync(redis, keys, args);
    }

    /// <summary>Raises the member generation of chats whose member rows the worker changed beyond the writes it released: their cached rosters go.</summary>
    public Task ForgetCachedRostersAsync(IEnumerable<(long App, int Chat)> chats) =>
        Task.WhenAll(chats.Select(c => redis.StringIncrementAsync(RedisKeys.MembersGeneration(c.App, c.Chat))));

    /// <summary>The pending state of one thing, or null.</summary>
    public async Task<T?> GetAsync<T>(WriteKind<T> kind, Scope scope, string field) where T : class =>
        await redis.HashGetAsync(kind.PendingHash(scope), field) is { HasValue: true } value ? PendingValue.StateOf<T>(value!) : null;

    /// <summary>Every state of a small hash of pending values (a chat's pending members, or their released copy), in no particular order.</summary>
    public async Task<IReadOnlyList<T>> AllAsync<T>(string hash) =>
        (await redis.HashValuesAsync(hash)).Select(v => PendingValue.StateOf<T>(v!)).ToList();

    /// <summary>Up to <paramref name="limit"/> pending states of an indexed view with scores in [low, high], in score order, with their fields.</summary>
    public async Task<IReadOnlyList<(string Field, T State)>> RangeAsync<T>(string hash, long low, long high, bool descending, int limit)
    {
        var flat = (RedisResult[])(await Range.RunAsync(redis, [hash, RedisKeys.PendingIndex(hash)],
            [low, high, descending ? "1" : "0", limit]))!;
        var items = new List<(string, T)>(flat.Length / 2);
        for (var i = 0; i + 1 < flat.Length; i += 2) items.Add(((string)flat[i]!, PendingValue.StateOf<T>((string)flat[i + 1]!)));
        return items;
    }

    /// <summary>
    /// Names an application among those whose outbox the sweeper looks at; its score only ever moves down here. Called
    /// once the line is in the outbox: on a Redis Cluster the list and the outbox live on different nodes, and a listing
    /// that overtook its line could be undone by the sweeper's relisting before the line arrived.
    /// </summary>
    public static Task ListInOutboxAsync(IDatabaseAsync redis, long applicationId, long version) =>
        redis.SortedSetAddAsync(RedisKeys.OutboxApplications, applicationId, version, SortedSetWhen.LessThan);

    private static long ApplicationOf(IReadOnlyCollection<Write> writes)
    {
        var application = writes.First().Scope.ApplicationId;
        if (writes.Any(w => w.Scope.ApplicationId != application))
            throw new ArgumentException("One script call holds the writes of one application: its keys share one hash slot.", nameof(writes));
        return application;
    }

    /// <summary>
    /// The key and argument layout the pipeline's scripts share (next_view in prelude.lua): the head, then per state its
    /// own arguments, the number of its views and per view its field and score; per state its own key if it has one,
    /// then the keys of every view (its hash, then its index if it has one).
    /// </summary>
    private static (RedisKey[] Keys, RedisValue[] Args) Layout(RedisKey[] headKeys, RedisValue[] headArgs,
        IEnumerable<(Write Write, RedisValue[] Args, RedisKey? Key)> states)
    {
        var keys = new List<RedisKey>(headKeys);
        var args = new List<RedisValue>(headArgs);
        foreach (var (write, own, key) in states)
        {
            var views = write.Kind.ViewsOf(write.Scope, write.State).ToList();
            if (key is { } ownKey) keys.Add(ownKey);
            args.AddRange(own);
            args.Add(views.Count);
            foreach (var view in views)
            {
                keys.Add(view.Hash);
                if (view.Score is { } score) keys.Add(RedisKeys.PendingIndex(view.Hash));
                args.Add(view.Field);
                args.Add(view.Score is { } s ? s.ToString(CultureInfo.InvariantCulture) : "");
            }
        }
        return (keys.ToArray(), args.ToArray());
    }
}
