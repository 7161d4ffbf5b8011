using Microsoft.Extensions.Options;
using MySqlConnector;
using StackExchange.Redis;

namespace Chat.Domain.Numbers;

/// <summary>
/// Hands out chat and message numbers: Redis <c>INCR</c> inside a block of numbers reserved durably in MySQL
/// (<c>number_blocks</c>), so that numbers are unique even after Redis loses its data. Gaps are allowed,
/// duplicates are not. The design and its proof are in docs/decisions/0003-numbers-survive-redis-loss.md.
/// </summary>
public sealed class NumberAllocator(IDatabase redis, MySqlDataSource database, IOptions<NumberingOptions> options)
{
    // KEYS[1] = counter hash. Returns the next number, or 0 when the block is used up, lost, or was installed
    // by an earlier run of the Redis server: a server that restarted (or a replica that took over) may hold
    // an older `next` than numbers already handed out, so its blocks are never used again.
    private static readonly LuaScript Next = LuaScript.Prepare("""
        local run = string.match(redis.call('INFO', 'server'), 'run_id:(%w+)')
        local block = redis.call('HMGET', @key, 'limit', 'run')
        if block[2] ~= run then return 0 end
        local n = redis.call('HINCRBY', @key, 'next', 1)
        if n <= tonumber(block[1]) then return n end
        return 0
        """);

    // Installs a freshly reserved block, stamped with this server run, unless a newer one of this run is installed.
    private static readonly LuaScript Install = LuaScript.Prepare("""
        local run = string.match(redis.call('INFO', 'server'), 'run_id:(%w+)')
        local block = redis.call('HMGET', @key, 'limit', 'run')
        if block[2] == run and tonumber(block[1]) >= tonumber(@upTo) then return 0 end
        redis.call('HSET', @key, 'next', @from, 'limit', @upTo, 'run', run)
        return 1
        """);

    private static readonly TimeSpan LockTime = TimeSpan.FromSeconds(5);

    /// <param name="counter">The Redis key of the scope's counter (see <see cref="Redis.RedisKeys"/>).</param>
    /// <param name="scope">The durable name of the same scope in <c>number_blocks</c>.</param>
    /// <exception cref="TimeoutException">No block could be reserved in time (a 503 for the client).</exception>
    public async Task<int> NextAsync(RedisKey counter, string scope, CancellationToken ct = default)
    {
        // Long enough to outlast a reservation lock left by a replica that died holding it (LockTime).
        var deadline = DateTime.UtcNow + LockTime + TimeSpan.FromSeconds(1);
        for (var attempt = 0; ; attempt++)
        {
            var number = await TakeAsync(counter) ?? await ReserveBlockAsync(counter, scope, attempt, ct);
            if (number is not null) return number.Value;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Could not reserve numbers for {scope} in time.");
        }
    }

    private async Task<int?> TakeAsync(RedisKey counter) =>
        (long)await redis.ScriptEvaluateAsync(Next, new { key = counter }) is var n && n > 0 ? checked((int)n) : null;

    /// <summary>
    /// One replica at a time reserves the next block of a scope, so concurrent requests share it instead of
    /// each burning a block. The others wait for the lock and then find the block installed.
    /// </summary>
    /// <param name="attempt">How many times this request found the lock taken: a live holder installs its block within
    /// milliseconds, so the first waits are short; a holder that died leaves the lock for up to <see cref="LockTime"/>,
    /// and the waits grow to 100 ms instead of asking Redis twice every few milliseconds all that time.</param>
    /// <returns>A number, when the previous lock holder's block arrived meanwhile; otherwise null (try again).</returns>
    private async Task<int?> ReserveBlockAsync(RedisKey counter, string scope, int attempt, CancellationToken ct)
    {
        RedisKey lockKey = counter.Append(":reserving");
        var token = Guid.NewGuid().ToString();
        if (!await redis.LockTakeAsync(lockKey, token, LockTime))
        {
            var wait = Math.Min(100, 2 << Math.Min(attempt, 6));
            await Task.Delay(Random.Shared.Next(wait / 2, wait + 1), ct);
            return null;
        }
        try
        {
            if (await TakeAsync(counter) is { } number) return number;
            var blockSize = options.Value.BlockSize;
            var upTo = await ReserveInDatabaseAsync(scope, blockSize, ct);
            await redis.ScriptEvaluateAsync(Install, new { key = counter, from = upTo - blockSize, upTo });
            return null;
        }
        finally
        {
            await redis.LockReleaseAsync(lockKey, token);
        }
    }

    /// <summary>Raises the scope's durable high-water mark by one block and returns the new mark.</summary>
    private async Task<long> ReserveInDatabaseAsync(string scope, int blockSize, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = connection.CreateCommand();
        // LAST_INSERT_ID(expr) hands the new value back on this connection without a second locking read;
        // valid on MySQL 8 and MariaDB alike.
        command.CommandText = """
            INSERT INTO number_blocks (scope, reserved_up_to) VALUES (@scope, LAST_INSERT_ID(@block))
            ON DUPLICATE KEY UPDATE reserved_up_to = LAST_INSERT_ID(reserved_up_to + @block);
            SELECT LAST_INSERT_ID();
            """;
        command.Parameters.AddWithValue("@scope", scope);
        command.Parameters.AddWithValue("@block", blockSize);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct));
    }

    public static string ChatScope(long applicationId) => $"chats:{applicationId}";
    public static string MessageScope(long applicationId, int chatNumber) => $"messages:{applicationId}:{chatNumber}";
}
