using System.Text.Json;
using Chat.Domain.Messaging;
using StackExchange.Redis;

namespace Chat.Domain.Pending;

/// <summary>
/// States accepted by the API but not yet persisted by the worker, kept in Redis so that every replica reads
/// its writes at once (docs/decisions/0004). One set per scope (an application's chats, a chat's messages):
/// a hash <c>number → "version|D or L|json"</c> plus a sorted set of numbers for range reads.
/// The version is the state's <c>updated_at</c> in microseconds; an older state never replaces a newer one
/// and a deletion (<c>D</c>) is never replaced at all, exactly as in MySQL.
/// </summary>
public sealed class PendingStore(IDatabase redis)
{
    /// <summary>A safety net: entries of a command that ended in the dead-letter queue do not live forever.</summary>
    private static readonly TimeSpan Lifetime = TimeSpan.FromDays(2);

    private static readonly LuaScript Put = LuaScript.Prepare("""
        local current = redis.call('HGET', @hash, @number)
        if current then
          local bar = string.find(current, '|', 1, true)
          if string.sub(current, bar + 1, bar + 1) == 'D' then return false end
          if tonumber(string.sub(current, 1, bar - 1)) > tonumber(@version) then return false end
        end
        redis.call('HSET', @hash, @number, @value)
        redis.call('ZADD', @index, @number, @number)
        redis.call('EXPIRE', @hash, @ttl)
        redis.call('EXPIRE', @index, @ttl)
        return current or ''
        """);

    // Puts back what a put replaced, if the entry is still the one that put stored.
    private static readonly LuaScript TakeBack = LuaScript.Prepare("""
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

    // ARGV: number, version, number, version, ...: removes each entry still at exactly that version.
    private const string RemoveIfUnchanged = """
        for i = 1, #ARGV, 2 do
          local current = redis.call('HGET', KEYS[1], ARGV[i])
          if current and string.sub(current, 1, string.find(current, '|', 1, true) - 1) == ARGV[i + 1] then
            redis.call('HDEL', KEYS[1], ARGV[i])
            redis.call('ZREM', KEYS[2], ARGV[i])
          end
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
    /// Stores <paramref name="state"/> unless a newer or deleted state is already pending. Returns what it replaced,
    /// for <see cref="TakeBackAsync"/>, or null if it stored nothing.
    /// </summary>
    public async Task<PendingPut?> PutAsync<T>(RedisKey hash, int number, T state, DateTime updatedAt, bool deleted)
    {
        var value = $"{Version(updatedAt)}|{(deleted ? 'D' : 'L')}|{JsonSerializer.Serialize(state, CommandJson.Options)}";
        var replaced = await redis.ScriptEvaluateAsync(Put, new
        {
            hash, index = IndexOf(hash), number, version = Version(updatedAt), value, ttl = (long)Lifetime.TotalSeconds,
        });
        return replaced.IsNull ? null : new PendingPut(hash, number, Version(updatedAt), (string)replaced!);
    }

    /// <summary>
    /// The broker never confirmed the put state: put back the pending state it replaced (an edit of a message that
    /// is not persisted yet must not hide the message), or remove it if it replaced none. A newer state stays.
    /// </summary>
    public Task TakeBackAsync(PendingPut put) =>
        redis.ScriptEvaluateAsync(TakeBack, new
        {
            hash = put.Hash, index = IndexOf(put.Hash), number = put.Number, version = put.Version, replaced = put.Replaced,
        });

    public async Task<PendingEntry<T>?> GetAsync<T>(RedisKey hash, int number)
    {
        var value = await redis.HashGetAsync(hash, number);
        return value.HasValue ? Parse<T>(value!) : null;
    }

    /// <summary>Up to <paramref name="limit"/> pending entries with numbers in [low, high], in number order.</summary>
    public async Task<IReadOnlyList<PendingEntry<T>>> RangeAsync<T>(RedisKey hash, int low, int high, bool descending, int limit)
    {
        var values = (RedisValue[]?)await redis.ScriptEvaluateAsync(Range, new
        {
            hash, index = IndexOf(hash), low, high, descending = descending ? 1 : 0, limit,
        });
        return values is null ? [] : values.Where(v => v.HasValue).Select(v => Parse<T>(v!)).ToList();
    }

    /// <summary>After the worker persisted these versions: forget them, unless a newer state arrived meanwhile.</summary>
    public Task RemoveIfUnchangedAsync(RedisKey hash, IEnumerable<(int Number, DateTime UpdatedAt)> persisted)
    {
        var args = persisted.SelectMany(p => new RedisValue[] { p.Number, Version(p.UpdatedAt) }).ToArray();
        return args.Length == 0 ? Task.CompletedTask : redis.ScriptEvaluateAsync(RemoveIfUnchanged, [hash, IndexOf(hash)], args);
    }

    private static RedisKey IndexOf(RedisKey hash) => hash.Append(":idx");

    /// <summary>Microseconds since the epoch: exact in Lua's doubles (below 2^53) and equal to datetime(6).</summary>
    public static long Version(DateTime updatedAt) => (updatedAt.Ticks - DateTime.UnixEpoch.Ticks) / 10;

    private static PendingEntry<T> Parse<T>(string value)
    {
        var first = value.IndexOf('|');
        var deleted = value[first + 1] == 'D';
        return new PendingEntry<T>(JsonSerializer.Deserialize<T>(value.AsSpan(first + 3), CommandJson.Options)!, deleted);
    }
}

public sealed record PendingEntry<T>(T State, bool Deleted);

/// <summary>A state stored in a pending set, and the raw entry it replaced there ("" if none).</summary>
public sealed record PendingPut(RedisKey Hash, int Number, long Version, string Replaced);
