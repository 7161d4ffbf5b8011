using Chat.Domain.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Chat.Api.Realtime;

/// <summary>
/// Who is online, per application and user: a sorted set of the user's hub connections scored by their last
/// heartbeat (ms), and the time the user was last seen. A connection whose replica stops refreshing it (crash)
/// stops counting after <see cref="RealtimeOptions.PresenceTtl"/>, and the set itself expires soon after.
/// </summary>
public sealed class PresenceStore(IDatabase redis, IOptions<RealtimeOptions> options)
{
    private static readonly TimeSpan KeepLastSeen = TimeSpan.FromDays(30);

    // KEYS: connections, last seen. ARGV: now, connection, set lifetime (ms), last-seen lifetime (ms).
    private const string ConnectScript = """
        redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[4])
        return 0
        """;

    // Same arguments. Only a connection still registered is refreshed: a late beat must not revive a disconnect.
    private const string BeatScript = """
        if not redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
        redis.call('ZADD', KEYS[1], ARGV[1], ARGV[2])
        redis.call('PEXPIRE', KEYS[1], ARGV[3])
        redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[4])
        return 1
        """;

    private const string DisconnectScript = """
        redis.call('ZREM', KEYS[1], ARGV[2])
        redis.call('SET', KEYS[2], ARGV[1], 'PX', ARGV[4])
        return 0
        """;

    // KEYS: connections, last seen. ARGV: oldest heartbeat that still counts (ms).
    private const string ReadScript = """
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1])
        return {redis.call('ZCARD', KEYS[1]), redis.call('GET', KEYS[2]) or ''}
        """;

    public Task ConnectAsync(long applicationId, string user, string connectionId) => RunAsync(ConnectScript, applicationId, user, connectionId);

    public Task BeatAsync(long applicationId, string user, string connectionId) => RunAsync(BeatScript, applicationId, user, connectionId);

    public Task DisconnectAsync(long applicationId, string user, string connectionId) => RunAsync(DisconnectScript, applicationId, user, connectionId);

    public async Task<(bool Online, DateTime? LastSeenAt)> ReadAsync(long applicationId, string user)
    {
        var cutoff = Now() - (long)options.Value.PresenceTtl.TotalMilliseconds;
        var result = (RedisResult[])(await redis.ScriptEvaluateAsync(ReadScript,
            [RedisKeys.Presence(applicationId, user), RedisKeys.LastSeen(applicationId, user)], [cutoff]))!;
        var lastSeen = (string)result[1]!;
        return ((long)result[0] > 0, lastSeen.Length == 0 ? null : DateTime.UnixEpoch.AddMilliseconds(long.Parse(lastSeen)));
    }

    private Task RunAsync(string script, long applicationId, string user, string connectionId) =>
        redis.ScriptEvaluateAsync(script, [RedisKeys.Presence(applicationId, user), RedisKeys.LastSeen(applicationId, user)],
            [Now(), connectionId, (long)(options.Value.PresenceTtl * 2).TotalMilliseconds, (long)KeepLastSeen.TotalMilliseconds]);

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
}
