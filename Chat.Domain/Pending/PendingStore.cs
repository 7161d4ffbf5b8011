using System.Globalization;
using System.Text.Json;
using Chat.Domain.Messaging;
using Chat.Domain.Redis;
using StackExchange.Redis;

namespace Chat.Domain.Pending;

/// <summary>
/// States accepted by the API but not yet persisted by the worker, kept in Redis so that every replica reads
/// its writes at once (docs/decisions/0004). One set per scope (an application's chats, a chat's messages):
/// a hash <c>number → "version|D or L|json"</c> plus a sorted set of numbers for range reads.
/// The version is the state's <c>updated_at</c> in microseconds; an older state never replaces a newer one
/// and a deletion (<c>D</c>) is never replaced at all, exactly as in MySQL. Every stored version is also listed in
/// the application's outbox until the worker persisted it, so one that stays can be published again (docs/decisions/0009).
/// </summary>
public sealed class PendingStore(IDatabase redis)
{
    /// <summary>
    /// A safety net for everything pending (chats, messages, members, their outbox): entries of a command that ended in
    /// the dead-letter queue do not live forever.
    /// </summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(2);

    private static readonly LuaScript Put = LuaScript.Prepare("""
        local current = redis.call('HGET', @hash, @number)
        if current then
          local bar = string.find(current, '|', 1, true)
          if string.sub(current, bar + 1, bar + 1) == 'D' then return false end
          if tonumber(string.sub(current, 1, bar - 1)) > tonumber(@version) then return false end
        end
        redis.call('HSET', @hash, @number, @value)
        redis.call('ZADD', @index, @number, @number)
        redis.call('ZADD', @outbox, @version, @entry)
        redis.call('EXPIRE', @hash, @ttl)
        redis.call('EXPIRE', @index, @ttl)
        redis.call('EXPIRE', @outbox, @ttl)
        return current or ''
        """);

    // Puts back what a put replaced, if the entry is still the one that put stored. The refused version leaves the
    // outbox either way: no command of it exists.
    private static readonly LuaScript TakeBack = LuaScript.Prepare("""
        redis.call('ZREM', @outbox, @entry)
        local current = redis.call('HGET', @hash, @number)
        if current and string.sub(current, 1, string.find(current, '|', 1, true) - 1) == @version then
          if @replaced == '' then
            redis.call('HDEL', @hash, @number)
            redis.call('ZREM', @index, @number)
          else
            redis.call('HSET', @hash, @number, @replaced)
          end
        end
        return 0
        """);

    // KEYS: hash, index, outbox. ARGV: number, version, outbox entry, ...: removes each entry still at exactly that
    // version; the outbox forgets each persisted version whatever came after it.
    private const string RemoveIfUnchanged = """
        for i = 1, #ARGV, 3 do
          local current = redis.call('HGET', KEYS[1], ARGV[i])
          if current and string.sub(current, 1, string.find(current, '|', 1, true) - 1) == ARGV[i + 1] then
            redis.call('HDEL', KEYS[1], ARGV[i])
            redis.call('ZREM', KEYS[2], ARGV[i])
          end
          redis.call('ZREM', KEYS[3], ARGV[i + 2])
        end
        return 0
        """;

    private static readonly LuaScript Range = LuaScript.Prepare("""
        local numbers
        if @descending == '1' then
          numbers = redis.call('ZREVRANGEBYSCORE', @index, @high, @low, 'LIMIT', 0, @limit)
        else
          numbers = redis.call('ZRANGEBYSCORE', @index, @low, @high, 'LIMIT', 0, @limit)
        end
        if #numbers == 0 then return {} end
        return redis.call('HMGET', @hash, unpack(numbers))
        """);

    /// <summary>
    /// Stores <paramref name="state"/> unless a newer or deleted state is already pending, and lists it in the
    /// application's outbox. Returns what it replaced, for <see cref="TakeBackAsync"/>, or null if it stored nothing.
    /// </summary>
    public async Task<PendingPut?> PutAsync<T>(PendingScope scope, int number, T state, DateTime updatedAt, bool deleted)
    {
        var version = Version(updatedAt);
        var value = $"{version}|{(deleted ? 'D' : 'L')}|{JsonSerializer.Serialize(state, CommandJson.Options)}";
        var put = redis.ScriptEvaluateAsync(Put, new
        {
            hash = scope.Hash, index = IndexOf(scope.Hash), outbox = RedisKeys.Outbox(scope.ApplicationId),
            number, version, value, entry = scope.Entry(number, version).ToString(), ttl = (long)Lifetime.TotalSeconds,
        });
        var replaced = await put;
        await ListInOutboxAsync(redis, scope.ApplicationId, version);
        return replaced.IsNull ? null : new PendingPut(scope, number, version, (string)replaced!);
    }

    /// <summary>
    /// Names an application among those whose outbox the sweeper looks at; its score only ever moves down here. Called
    /// once the entry is in the outbox: on a Redis Cluster the list and the outbox live on different nodes, and a listing
    /// that overtook its entry could be undone by the sweeper's relisting before the entry arrived.
    /// </summary>
    public static Task ListInOutboxAsync(IDatabaseAsync redis, long applicationId, long version) =>
        redis.SortedSetAddAsync(RedisKeys.OutboxApplications, applicationId, version, SortedSetWhen.LessThan);

    /// <summary>
    /// The broker never confirmed the put state: put back the pending state it replaced (an edit of a message that
    /// is not persisted yet must not hide the message), or remove it if it replaced none. A newer state stays.
    /// </summary>
    public Task TakeBackAsync(PendingPut put) =>
        redis.ScriptEvaluateAsync(TakeBack, new
        {
            hash = put.Scope.Hash, index = IndexOf(put.Scope.Hash), outbox = RedisKeys.Outbox(put.Scope.ApplicationId),
            number = put.Number, version = put.Version, replaced = put.Replaced, entry = put.Scope.Entry(put.Number, put.Version).ToString(),
        });

    public async Task<PendingEntry<T>?> GetAsync<T>(PendingScope scope, int number)
    {
        var value = await redis.HashGetAsync(scope.Hash, number);
        return value.HasValue ? Parse<T>(value!) : null;
    }

    /// <summary>Up to <paramref name="limit"/> pending entries with numbers in [low, high], in number order.</summary>
    public async Task<IReadOnlyList<PendingEntry<T>>> RangeAsync<T>(PendingScope scope, int low, int high, bool descending, int limit)
    {
        var values = (RedisValue[]?)await redis.ScriptEvaluateAsync(Range, new
        {
            hash = scope.Hash, index = IndexOf(scope.Hash), low, high, descending = descending ? 1 : 0, limit,
        });
        return values is null ? [] : values.Where(v => v.HasValue).Select(v => Parse<T>(v!)).ToList();
    }

    /// <summary>After the worker persisted these versions: forget them, unless a newer state arrived meanwhile.</summary>
    public Task RemoveIfUnchangedAsync(PendingScope scope, IEnumerable<(int Number, DateTime UpdatedAt)> persisted)
    {
        var args = persisted.SelectMany(p => new RedisValue[]
        {
            p.Number, Version(p.UpdatedAt), scope.Entry(p.Number, Version(p.UpdatedAt)).ToString(),
        }).ToArray();
        return args.Length == 0
            ? Task.CompletedTask
            : redis.ScriptEvaluateAsync(RemoveIfUnchanged, [scope.Hash, IndexOf(scope.Hash), RedisKeys.Outbox(scope.ApplicationId)], args);
    }

    private static RedisKey IndexOf(RedisKey hash) => hash.Append(":idx");

    /// <summary>Microseconds since the epoch: exact in Lua's doubles (below 2^53) and equal to datetime(6).</summary>
    public static long Version(DateTime updatedAt) => (updatedAt.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    /// <summary>The version a raw pending value (<c>version|…</c>, as chats, messages and members store it) carries.</summary>
    public static long VersionOf(string value) => long.Parse(value.AsSpan(0, value.IndexOf('|')), CultureInfo.InvariantCulture);

    public static PendingEntry<T> Parse<T>(string value)
    {
        var first = value.IndexOf('|');
        var deleted = value[first + 1] == 'D';
        return new PendingEntry<T>(JsonSerializer.Deserialize<T>(value.AsSpan(first + 3), CommandJson.Options)!, deleted);
    }
}

public sealed record PendingEntry<T>(T State, bool Deleted);

/// <summary>One pending set: an application's chats (chat number 0; real chats start at 1) or one chat's messages.</summary>
public readonly record struct PendingScope(long ApplicationId, int ChatNumber)
{
    public static PendingScope Chats(long applicationId) => new(applicationId, 0);
    public static PendingScope Messages(long applicationId, int chatNumber) => new(applicationId, chatNumber);

    public RedisKey Hash => ChatNumber == 0 ? RedisKeys.PendingChats(ApplicationId) : RedisKeys.PendingMessages(ApplicationId, ChatNumber);

    public OutboxEntry Entry(int number, long version) =>
        new(ChatNumber == 0 ? PendingKind.Chat : PendingKind.Message, version, ChatNumber, number.ToString(CultureInfo.InvariantCulture));

    public override string ToString() => Hash.ToString();
}

/// <summary>A state stored in a pending set, and the raw entry it replaced there ("" if none).</summary>
public sealed record PendingPut(PendingScope Scope, int Number, long Version, string Replaced);
