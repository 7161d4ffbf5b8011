using System.Collections.Concurrent;
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

    /// <param name="cacheAbsence">
    /// Remember "not found" briefly. Only for things that cannot appear behind the cache's back: a chat that the
    /// worker is about to persist must not be remembered as absent.
    /// </param>
    public async Task<T?> GetOrLoadAsync<T>(string cache, RedisKey key, TimeSpan ttl, Func<Task<T?>> load, bool cacheAbsence = true)
        where T : class
    {
        var cached = await redis.StringGetAsync(key);
        if (cached.HasValue)
        {
            Hits.Add(1, new KeyValuePair<string, object?>("cache", cache));
            return cached == Absent ? null : JsonSerializer.Deserialize<T>((string)cached!, CommandJson.Options);
        }
        Misses.Add(1, new KeyValuePair<string, object?>("cache", cache));
        // Concurrent misses of one key in this process share one load: a burst for a cold key is one query.
        var loading = (Task<T?>)_loading.GetOrAdd(key.ToString(), _ => LoadAndStoreAsync(key, ttl, load, cacheAbsence));
        try
        {
            return await loading;
        }
        finally
        {
            _loading.TryRemove(new KeyValuePair<string, Task>(key.ToString(), loading));
        }
    }

    private readonly ConcurrentDictionary<string, Task> _loading = new();

    private async Task<T?> LoadAndStoreAsync<T>(RedisKey key, TimeSpan ttl, Func<Task<T?>> load, bool cacheAbsence) where T : class
    {
        var loaded = await load();
        if (loaded is null && !cacheAbsence) return null;
        await redis.StringSetAsync(key, loaded is null ? Absent : JsonSerializer.Serialize(loaded, CommandJson.Options),
            loaded is null ? AbsentFor : ttl, flags: CommandFlags.FireAndForget);
        return loaded;
    }

    public Task EvictAsync(RedisKey key) => redis.KeyDeleteAsync(key);
}
