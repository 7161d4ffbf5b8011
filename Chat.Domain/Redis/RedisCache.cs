using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using Chat.Contracts;
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
    private const string Absent = "-";
    private static readonly TimeSpan AbsentFor = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, Task> _loading = new();

    /// <summary>A value that changes only when its key is evicted (an application by its token).</summary>
    public async Task<T?> GetOrLoadAsync<T>(string cache, string key, TimeSpan ttl, Func<Task<T?>> load) where T : class
    {
        if (await redis.StringGetAsync(key) is { HasValue: true } cached) return Hit<T>(cache, cached!);
        Misses.Add(1, new KeyValuePair<string, object?>("cache", cache));
        return await LoadOnceAsync(key, ttl, "", load);
    }

    /// <summary>What a generation-tagged look-up found; <see cref="Generation"/> is what a copy loaded now must be stored under.</summary>
    public readonly record struct Cached<T>(bool Hit, T? Value, string Generation);

    /// <summary>
    /// A copy of rows the worker changes (a chat, its members): it counts only while <paramref name="generation"/> is what
    /// it was before the copy was loaded. The worker raises the generation in the same step as it releases the pending
    /// states of its commit (release.lua), so a copy loaded from MySQL just before a commit can never be served after it.
    /// </summary>
    public async Task<Cached<T>> GetAsync<T>(string cache, string key, string generation) where T : class
    {
        var both = await redis.StringGetAsync([generation, key]);
        var tag = (string?)both[0] ?? "0";
        if (both[1] is { HasValue: true } cached && ((string)cached!).StartsWith(tag + "|", StringComparison.Ordinal))
            return new Cached<T>(true, Hit<T>(cache, ((string)cached!)[(tag.Length + 1)..]), tag);
        Misses.Add(1, new KeyValuePair<string, object?>("cache", cache));
        return new Cached<T>(false, null, tag);
    }

    /// <summary>Stores a copy loaded after <see cref="GetAsync{T}"/> found none, under the generation it read.</summary>
    public void Put<T>(string key, string generation, T? value, TimeSpan ttl) where T : class =>
        redis.StringSet(key, generation + "|" + (value is null ? Absent : JsonSerializer.Serialize(value, CommandJson.Options)),
            value is null ? AbsentFor : ttl, flags: CommandFlags.FireAndForget);

    /// <inheritdoc cref="GetAsync{T}"/>
    public async Task<T?> GetOrLoadAsync<T>(string cache, string key, string generation, TimeSpan ttl, Func<Task<T?>> load) where T : class
    {
        var cached = await GetAsync<T>(cache, key, generation);
        return cached.Hit ? cached.Value : await LoadOnceAsync(key, ttl, cached.Generation + "|", load);
    }

    public Task EvictAsync(string key) => redis.KeyDeleteAsync(key);

    private static T? Hit<T>(string cache, string value) where T : class
    {
        Hits.Add(1, new KeyValuePair<string, object?>("cache", cache));
        return value == Absent ? null : JsonSerializer.Deserialize<T>(value, CommandJson.Options);
    }

    /// <summary>Concurrent misses of one key in this process share one load: a burst for a cold key is one query.</summary>
    private async Task<T?> LoadOnceAsync<T>(string key, TimeSpan ttl, string tag, Func<Task<T?>> load) where T : class
    {
        var loading = (Task<T?>)_loading.GetOrAdd(key + "\n" + tag, _ => LoadAndStoreAsync(key, ttl, tag, load));
        try
        {
            return await loading;
        }
        finally
        {
            _loading.TryRemove(new KeyValuePair<string, Task>(key + "\n" + tag, loading));
        }
    }

    private async Task<T?> LoadAndStoreAsync<T>(string key, TimeSpan ttl, string tag, Func<Task<T?>> load) where T : class
    {
        var loaded = await load();
        await redis.StringSetAsync(key, tag + (loaded is null ? Absent : JsonSerializer.Serialize(loaded, CommandJson.Options)),
            loaded is null ? AbsentFor : ttl, flags: CommandFlags.FireAndForget);
        return loaded;
    }
}
