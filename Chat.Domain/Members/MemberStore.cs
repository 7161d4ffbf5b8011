using System.Text.Json;
using Chat.Domain.Messaging;
using Chat.Domain.Pending;
using Chat.Domain.Redis;
using StackExchange.Redis;

namespace Chat.Domain.Members;

/// <summary>
/// What Redis knows about the members of a chat, so that every replica reads member changes and receipts at once
/// (docs/decisions/0007):
/// <list type="bullet">
/// <item>pending member states, per chat (<c>user → "version|json"</c>) and per user (<c>chat → "version|json"</c>
/// plus a sorted set for "the chats of a user"), until the worker has persisted them; last writer wins;</item>
/// <item>the receipt cursors, per chat (<c>d:user</c>, <c>r:user</c>), only ever raised;</item>
/// <item>a cache of the persisted members, valid only while the chat's member generation is unchanged: the worker
/// raises the generation after every commit that touched the chat's members.</item>
/// </list>
/// All keys of an application share its hash tag, so the scripts stay valid on a Redis Cluster.
/// </summary>
public sealed class MemberStore(IDatabase redis)
{
    private static readonly TimeSpan CacheTtl = TimeSpan.FromSeconds(60);

    // KEYS: chat's pending members, then (user's pending chats, its index) per member, then the outbox.
    // ARGV: chat number, ttl, then (user, version, json) per member. An older state never replaces a newer one; a
    // stored one is listed in the outbox as 'u|version|chat|user' (OutboxEntry's form).
    // Returns, per member, the chat's entry it replaced ('' if none) or the newer one it left alone, for TakeBackScript
    // (which touches only entries at the version put here).
    private const string PutScript = """
        local function put(hash, field, version, value)
          local current = redis.call('HGET', hash, field)
          if current and tonumber(string.sub(current, 1, string.find(current, '|', 1, true) - 1)) > tonumber(version) then
            return current
          end
          redis.call('HSET', hash, field, value)
          return current or ''
        end
        local chat, ttl, replaced = ARGV[1], ARGV[2], {}
        for i = 0, (#ARGV - 2) / 3 - 1 do
          local user, version = ARGV[3 + 3 * i], ARGV[4 + 3 * i]
          local value = version .. '|' .. ARGV[5 + 3 * i]
          replaced[i + 1] = put(KEYS[1], user, version, value)
          if redis.call('HGET', KEYS[1], user) == value then
            redis.call('ZADD', KEYS[#KEYS], version, 'u|' .. version .. '|' .. chat .. '|' .. user)
          end
          put(KEYS[2 + 2 * i], chat, version, value)
          redis.call('ZADD', KEYS[3 + 2 * i], chat, chat)
          redis.call('EXPIRE', KEYS[2 + 2 * i], ttl)
          redis.call('EXPIRE', KEYS[3 + 2 * i], ttl)
        end
        redis.call('EXPIRE', KEYS[1], ttl)
        redis.call('EXPIRE', KEYS[#KEYS], ttl)
        return replaced
        """;

    // KEYS: as PutScript. ARGV: chat number, then (user, version, replaced) per member. Where the entry is still
    // the one put, puts back what it replaced, or removes it. The refused versions leave the outbox.
    private const string TakeBackScript = """
        local function restore(hash, field, version, replaced)
          local current = redis.call('HGET', hash, field)
          if not current or string.sub(current, 1, string.find(current, '|', 1, true) - 1) ~= version then return false end
          if replaced == '' then
            redis.call('HDEL', hash, field)
            return true
          end
          redis.call('HSET', hash, field, replaced)
          return false
        end
        local chat = ARGV[1]
        for i = 0, (#ARGV - 1) / 3 - 1 do
          local user, version, replaced = ARGV[2 + 3 * i], ARGV[3 + 3 * i], ARGV[4 + 3 * i]
          redis.call('ZREM', KEYS[#KEYS], 'u|' .. version .. '|' .. chat .. '|' .. user)
          restore(KEYS[1], user, version, replaced)
          if restore(KEYS[2 + 2 * i], chat, version, replaced) then redis.call('ZREM', KEYS[3 + 2 * i], chat) end
        end
        return 0
        """;

    // KEYS: chat's pending members, its generation, then (user's pending chats, its index) per member, then the
    // outbox. ARGV: chat number, ttl, then (user, version) per member. Raises the generation first, in the same step,
    // so no reader can see the entry gone while an older cached copy still counts as current. The outbox forgets each
    // persisted version.
    private const string ReleaseScript = """
        redis.call('INCR', KEYS[2])
        redis.call('EXPIRE', KEYS[2], ARGV[2])
        local function drop(hash, field, version)
          local current = redis.call('HGET', hash, field)
          if current and string.sub(current, 1, string.find(current, '|', 1, true) - 1) == version then
            redis.call('HDEL', hash, field)
            return true
          end
          return false
        end
        local chat = ARGV[1]
        for i = 0, (#ARGV - 2) / 2 - 1 do
          local user, version = ARGV[3 + 2 * i], ARGV[4 + 2 * i]
          redis.call('ZREM', KEYS[#KEYS], 'u|' .. version .. '|' .. chat .. '|' .. user)
          drop(KEYS[1], user, version)
          if drop(KEYS[3 + 2 * i], chat, version) then redis.call('ZREM', KEYS[4 + 2 * i], chat) end
        end
        return 0
        """;

    // KEYS: cursors. ARGV: user, delivered, read, ttl. Read implies delivered; neither ever goes down.
    private const string RaiseScript = """
        local d = tonumber(redis.call('HGET', KEYS[1], 'd:' .. ARGV[1]) or '0')
        local r = tonumber(redis.call('HGET', KEYS[1], 'r:' .. ARGV[1]) or '0')
        r = math.max(r, tonumber(ARGV[3]))
        d = math.max(d, tonumber(ARGV[2]), r)
        redis.call('HSET', KEYS[1], 'd:' .. ARGV[1], d, 'r:' .. ARGV[1], r)
        redis.call('EXPIRE', KEYS[1], ARGV[4])
        return {d, r}
        """;

    // KEYS: pending members, cursors, generation, cache. One consistent snapshot in one round trip.
    private const string ReadScript = """
        return {redis.call('HGETALL', KEYS[1]), redis.call('HGETALL', KEYS[2]),
                redis.call('GET', KEYS[3]) or '0', redis.call('GET', KEYS[4]) or ''}
        """;

    // KEYS: user's pending chats, its index. ARGV: low, high, limit. Returns chat, value, chat, value, …
    private const string UserChatsScript = """
        local chats = redis.call('ZRANGEBYSCORE', KEYS[2], ARGV[1], ARGV[2], 'LIMIT', 0, ARGV[3])
        local result = {}
        for _, chat in ipairs(chats) do
          local value = redis.call('HGET', KEYS[1], chat)
          if value then
            result[#result + 1] = chat
            result[#result + 1] = value
          end
        end
        return result
        """;

    /// <summary>
    /// Stores new member states of one chat as pending, unless a newer state of the same member is already there.
    /// Returns what they replaced, for <see cref="TakeBackAsync"/>.
    /// </summary>
    public async Task<MembersPut> PutAsync(long applicationId, int chatNumber, IReadOnlyList<MemberState> members)
    {
        var keys = Keys(applicationId, chatNumber, members);
        var args = new List<RedisValue> { chatNumber, (long)PendingStore.Lifetime.TotalSeconds };
        foreach (var member in members)
        {
            args.Add(member.UserId);
            args.Add(PendingStore.Version(member.UpdatedAt));
            args.Add(JsonSerializer.Serialize(member, CommandJson.Options));
        }
        var replaced = (RedisResult[])(await redis.ScriptEvaluateAsync(PutScript, keys, args.ToArray()))!;
        if (members.Count > 0) await PendingStore.ListInOutboxAsync(redis, applicationId, members.Min(m => PendingStore.Version(m.UpdatedAt)));
        return new MembersPut(applicationId, chatNumber, members, replaced.Select(r => (string)r!).ToList());
    }

    /// <summary>
    /// The broker never confirmed these states: put back the pending states they replaced (a member who joined and
    /// is not persisted yet must not vanish when their leaving fails), or remove them. Newer states stay.
    /// </summary>
    public Task TakeBackAsync(MembersPut put)
    {
        var args = new List<RedisValue> { put.ChatNumber };
        for (var i = 0; i < put.Members.Count; i++)
        {
            args.Add(put.Members[i].UserId);
            args.Add(PendingStore.Version(put.Members[i].UpdatedAt));
            args.Add(put.Replaced[i]);
        }
        return redis.ScriptEvaluateAsync(TakeBackScript, Keys(put.ApplicationId, put.ChatNumber, put.Members), args.ToArray());
    }

    private static RedisKey[] Keys(long applicationId, int chatNumber, IEnumerable<MemberState> members) =>
        members.SelectMany(m => new[] { RedisKeys.PendingUserChats(applicationId, m.UserId), IndexOf(RedisKeys.PendingUserChats(applicationId, m.UserId)) })
            .Prepend(RedisKeys.PendingMembers(applicationId, chatNumber)).Append(RedisKeys.Outbox(applicationId)).ToArray();

    /// <summary>
    /// After the worker persisted these states (or the broker refused them): forget the pending copies that are
    /// still at exactly these versions, and invalidate the chat's cached persisted members.
    /// </summary>
    public Task ReleaseAsync(long applicationId, int chatNumber, IEnumerable<MemberState> members)
    {
        var keys = new List<RedisKey> { RedisKeys.PendingMembers(applicationId, chatNumber), RedisKeys.MembersGeneration(applicationId, chatNumber) };
        var args = new List<RedisValue> { chatNumber, (long)PendingStore.Lifetime.TotalSeconds };
        // A batch of receipts repeats the same membership state many times.
        foreach (var member in members.DistinctBy(m => (m.UserId, m.UpdatedAt)))
        {
            keys.Add(RedisKeys.PendingUserChats(applicationId, member.UserId));
            keys.Add(IndexOf(RedisKeys.PendingUserChats(applicationId, member.UserId)));
            args.Add(member.UserId);
            args.Add(PendingStore.Version(member.UpdatedAt));
        }
        keys.Add(RedisKeys.Outbox(applicationId));
        return redis.ScriptEvaluateAsync(ReleaseScript, keys.ToArray(), args.ToArray());
    }

    /// <summary>Raises a member's cursors to at least these values; returns the cursors now in force.</summary>
    public async Task<(int Delivered, int Read)> RaiseCursorsAsync(long applicationId, int chatNumber, string user, int delivered, int read)
    {
        var result = (RedisResult[])(await redis.ScriptEvaluateAsync(RaiseScript, [RedisKeys.Cursors(applicationId, chatNumber)],
            [user, delivered, read, (long)PendingStore.Lifetime.TotalSeconds]))!;
        return ((int)result[0], (int)result[1]);
    }

    public async Task<MembersSnapshot> ReadAsync(long applicationId, int chatNumber)
    {
        var result = (RedisResult[])(await redis.ScriptEvaluateAsync(ReadScript,
        [
            RedisKeys.PendingMembers(applicationId, chatNumber), RedisKeys.Cursors(applicationId, chatNumber),
            RedisKeys.MembersGeneration(applicationId, chatNumber), RedisKeys.MembersCache(applicationId, chatNumber),
        ]))!;
        var pending = Pairs((RedisResult[])result[0]!).Select(p => Parse(p.Value)).ToList();
        var cursors = new Dictionary<string, (int Delivered, int Read)>(StringComparer.Ordinal);
        foreach (var (field, value) in Pairs((RedisResult[])result[1]!))
        {
            var user = field[2..];
            var current = cursors.GetValueOrDefault(user);
            cursors[user] = field[0] == 'd' ? (int.Parse(value), current.Read) : (current.Delivered, int.Parse(value));
        }
        var generation = (string)result[2]!;
        var cache = (string)result[3]!;
        // The cached copy counts only if no commit touched the members since it was loaded.
        IReadOnlyList<MemberState>? persisted = cache.StartsWith(generation + "|", StringComparison.Ordinal)
            ? JsonSerializer.Deserialize<List<MemberState>>(cache.AsSpan(generation.Length + 1), CommandJson.Options)
            : null;
        return new MembersSnapshot(pending, cursors, generation, persisted);
    }

    /// <summary>Caches the persisted members as loaded under <paramref name="generation"/> (read before loading them).</summary>
    public Task CacheAsync(long applicationId, int chatNumber, string generation, IReadOnlyList<MemberState> persisted) =>
        redis.StringSetAsync(RedisKeys.MembersCache(applicationId, chatNumber),
            $"{generation}|{JsonSerializer.Serialize(persisted, CommandJson.Options)}", CacheTtl, flags: CommandFlags.FireAndForget);

    /// <summary>Pending member states of a user, by chat number in (after, …], at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<(int Chat, MemberState Member)>> PendingChatsOfAsync(long applicationId, string user, int after, int limit)
    {
        var hash = RedisKeys.PendingUserChats(applicationId, user);
        var result = (RedisResult[])(await redis.ScriptEvaluateAsync(UserChatsScript, [hash, IndexOf(hash)],
            [$"({after}", "+inf", limit]))!;
        return Pairs(result).Select(p => (int.Parse(p.Field), Parse(p.Value))).ToList();
    }

    private static RedisKey IndexOf(RedisKey hash) => hash.Append(":idx");

    private static IEnumerable<(string Field, string Value)> Pairs(RedisResult[] flat)
    {
        for (var i = 0; i + 1 < flat.Length; i += 2) yield return ((string)flat[i]!, (string)flat[i + 1]!);
    }

    /// <summary>A raw pending member value (<c>version|json</c>).</summary>
    public static MemberState Parse(string value) =>
        JsonSerializer.Deserialize<MemberState>(value.AsSpan(value.IndexOf('|') + 1), CommandJson.Options)!;
}

/// <summary>Member states stored as pending, and the chat's raw entries they replaced there ("" if none).</summary>
public sealed record MembersPut(long ApplicationId, int ChatNumber, IReadOnlyList<MemberState> Members, IReadOnlyList<string> Replaced);

/// <param name="Pending">Member states accepted but not yet persisted.</param>
/// <param name="Cursors">Receipt cursors as last reported, by user (may be ahead of both states).</param>
/// <param name="Generation">The chat's member generation when read; pass it to <see cref="MemberStore.CacheAsync"/>.</param>
/// <param name="Persisted">The cached persisted members, or null when they must be loaded from MySQL.</param>
public sealed record MembersSnapshot(
    IReadOnlyList<MemberState> Pending, IReadOnlyDictionary<string, (int Delivered, int Read)> Cursors, string Generation,
    IReadOnlyList<MemberState>? Persisted);
