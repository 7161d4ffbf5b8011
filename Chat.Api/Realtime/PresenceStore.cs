using Chat.Contracts;
using Chat.Domain.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Chat.Api.Realtime;

/// <summary>
/// Who is online, per application and user: a sorted set of the user's hub connections scored by their last
/// heartbeat (ms), and the time the user was last seen. A connection whose replica stops refreshing it (crash)
/// stops counting after <see cref="RealtimeOptions.PresenceTtl"/>, and the set itself expires soon after.
/// </summary>
public sealed class PresenceStore(IDatabase redis, IOptions<RealtimeOptions> options, TimeProvider clock)
{
    private static readonly TimeSpan KeepLastSeen = TimeSpan.FromDays(30);

    private static readonly RedisScript Connect = Load("presence_connect");
    private static readonly RedisScript Beat = Load("presence_beat");
    private static readonly RedisScript Disconnect = Load("presence_disconnect");
    private static readonly RedisScript Read = Load("presence_read");

    public Task ConnectAsync(long applicationId, string user, string connectionId) => RunAsync(Connect, applicationId, user, connectionId);

    public Task BeatAsync(long applicationId, string user, string connectionId) => RunAsync(Beat, applicationId, user, connectionId);

    public Task DisconnectAsync(long applicationId, string user, string connectionId) => RunAsync(Disconnect, applicationId, user, connectionId);

    public async Task<(bool Online, DateTime? LastSeenAt)> ReadAsync(long applicationId, string user)
    {
        var cutoff = Now() - (long)options.Value.PresenceTtl.TotalMilliseconds;
        var result = (RedisResult[])(await Read.RunAsync(redis, [RedisKeys.Presence(applicationId, user), RedisKeys.LastSeen(applicationId, user)], [cutoff]))!;
        var lastSeen = (string)result[1]!;
        return ((long)result[0] > 0, lastSeen.Length == 0 ? null : DateTime.UnixEpoch.AddMilliseconds(long.Parse(lastSeen)));
    }

    private Task RunAsync(RedisScript script, long applicationId, string user, string connectionId) =>
        script.RunAsync(redis, [RedisKeys.Presence(applicationId, user), RedisKeys.LastSeen(applicationId, user)],
            [Now(), connectionId, (long)(options.Value.PresenceTtl * 2).TotalMilliseconds, (long)KeepLastSeen.TotalMilliseconds]);

    private static RedisScript Load(string name) => RedisScript.Load(name, typeof(PresenceStore).Assembly);

    private long Now() => clock.GetUtcNow().ToUnixTimeMilliseconds();
}
