using System.Diagnostics.Metrics;
using System.Text.Json;
using Chat.Domain.Messaging;
using StackExchange.Redis;

namespace Chat.Domain.Redis;

/// <summary>
/// Read-through cache of small JSON values in Redis. Hits and misses are counted per cache name on the
/// <c>Chat.Cache</c> meter (<c>dotnet-counters monitor --counters Chat.Cache</c>).
/// </summary>
public sealed class RedisCache(IDatabase redis)
{
    private static readonly Meter Meter = new("Chat.Cache");
    private static readonly Counter<long> Hits = Meter.CreateCounter<long>("chat.cache.hits");
    private static readonly Counter<long> Misses = Meter.CreateCounter<long>("chat.cache.misses");

    // Remembers "no such thing" briefly, so random tokens and numbers do not all reach MySQL.
    private static readonly RedisValue Absent = "-";
    private static readonly TimeSpan AbsentFor = TimeSpan.FromSeconds(10);

    public async Task<T?> GetOrLoadAsync<T>(string cache, RedisKey key, TimeSpan ttl, Func<Task<T?>> load) where T : class
    {
        var cached = await redis.StringGetAsync(key);
        if (cached.HasValue)
        {
            Hits.Add(1, new KeyValuePair<string, object?>("cache", cache));
            return cached == Absent ? null : JsonSerializer.Deserialize<T>((string)cached!, CommandJson.Options);
        }
        Misses.Add(1, new KeyValuePair<string, object?>("cache", cache));
        var loaded = await load();
        await redis.StringSetAsync(key, loaded is null ? Absent : JsonSerializer.Serialize(loaded, CommandJson.Options),
            loaded is null ? AbsentFor : ttl, flags: CommandFlags.FireAndForget);
        return loaded;
    }

    public Task EvictAsync(RedisKey key) => redis.KeyDeleteAsync(key);
}
