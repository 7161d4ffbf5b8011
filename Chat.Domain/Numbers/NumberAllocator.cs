using Chat.Contracts;
using Chat.Domain.Redis;
using Chat.Domain.Resilience;
using Microsoft.Extensions.Options;
using MySqlConnector;
using Polly;
using StackExchange.Redis;

namespace Chat.Domain.Numbers;

/// <summary>
/// Hands out chat and message numbers: Redis <c>HINCRBY</c> inside a block of numbers reserved durably in MySQL
/// (<c>number_blocks</c>), so that numbers are unique even after Redis loses its data. Gaps are allowed,
/// duplicates are not. The design and its proof are in docs/decisions/0003-numbers-survive-redis-loss.md.
/// </summary>
public sealed class NumberAllocator(IDatabase redis, MySqlDataSource database, IOptions<NumberingOptions> options)
{
    private static readonly RedisScript Next = RedisScript.Load("number_next");
    private static readonly RedisScript Install = RedisScript.Load("number_install");

    private static readonly TimeSpan LockTime = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Waits while another request reserves the scope's next block: a live holder installs it within milliseconds, so
    /// the first waits are short; a holder that died leaves the lock for up to <see cref="LockTime"/>, which the waits
    /// outlast, growing to 100 ms instead of asking Redis every few milliseconds all that time.
    /// </summary>
    private static readonly ResiliencePipeline<int?> WaitForBlock =
        Retries.WaitFor<int?>(n => n is null, LockTime + TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(100));

    /// <exception cref="TimeoutException">No block could be reserved in time (a 503 for the client).</exception>
    public Task<int> NextChatAsync(long applicationId, CancellationToken ct) =>
        NextAsync(RedisKeys.ChatNumbers(applicationId), NumberScopes.Chats(applicationId), ct);

    /// <inheritdoc cref="NextChatAsync"/>
    public Task<int> NextMessageAsync(long applicationId, int chatNumber, CancellationToken ct) =>
        NextAsync(RedisKeys.MessageNumbers(applicationId, chatNumber), NumberScopes.Messages(applicationId, chatNumber), ct);

    private async Task<int> NextAsync(string counter, string scope, CancellationToken ct) =>
        await WaitForBlock.ExecuteAsync(async token => await TakeAsync(counter) ?? await ReserveBlockAsync(counter, scope, token), ct)
        ?? throw new TimeoutException($"Could not reserve numbers for {scope} in time.");

    private async Task<int?> TakeAsync(string counter) =>
        (long)await Next.RunAsync(redis, [counter]) is var n && n > 0 ? checked((int)n) : null;

    /// <summary>
    /// One replica at a time reserves the next block of a scope, so concurrent requests share it instead of each
    /// burning a block. The others find the lock taken and wait for the block to be installed.
    /// </summary>
    /// <returns>A number, unless the lock was taken (null: try again).</returns>
    private async Task<int?> ReserveBlockAsync(string counter, string scope, CancellationToken ct)
    {
        var lockKey = counter + ":reserving";
        var token = Guid.NewGuid().ToString();
        if (!await redis.LockTakeAsync(lockKey, token, LockTime)) return null;
        try
        {
            if (await TakeAsync(counter) is { } number) return number;
            var blockSize = options.Value.BlockSize;
            var upTo = await ReserveInDatabaseAsync(scope, blockSize, ct);
            await Install.RunAsync(redis, [counter], [upTo - blockSize, upTo]);
            return await TakeAsync(counter);
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
}
