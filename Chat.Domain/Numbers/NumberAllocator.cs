using Chat.Contracts;
using Chat.Domain.Data;
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
    private static readonly RedisScript State = RedisScript.Load("number_state");
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
        await WaitForBlock.ExecuteAsync(async token =>
                await TakeAsync(counter) ?? (await EnsureBlockAsync(counter, scope, onNewRun: null, token) ? await TakeAsync(counter) : null), ct)
        ?? throw new TimeoutException($"Could not reserve numbers for {scope} in time.");

    private async Task<int?> TakeAsync(string counter) =>
        (long)await Next.RunAsync(redis, [counter]) is var n && n > 0 ? checked((int)n) : null;

    /// <summary>
    /// Makes sure a scope's counter has numbers of this server run left, reserving the next block under the scope's
    /// lock: one replica at a time reserves, so concurrent requests share a block instead of each burning one.
    /// </summary>
    /// <param name="onNewRun">Called in the reservation's transaction when the counter had no block of this server run
    /// (Redis lost it or restarted), with the block's first number: numbers before it may never be handed out.</param>
    /// <returns>False while another request holds the lock (try again shortly).</returns>
    public async Task<bool> EnsureBlockAsync(string counter, string scope, Func<Sql, long, Task>? onNewRun, CancellationToken ct)
    {
        var lockKey = counter + ":reserving";
        var token = Guid.NewGuid().ToString();
        if (!await redis.LockTakeAsync(lockKey, token, LockTime)) return false;
        try
        {
            var state = (int)await State.RunAsync(redis, [counter]);
            if (state == 2) return true; // installed by the previous lock holder
            var blockSize = options.Value.BlockSize;
            var upTo = await ReserveInDatabaseAsync(scope, blockSize, state == 0 ? onNewRun : null, ct);
            await Install.RunAsync(redis, [counter], [upTo - blockSize, upTo]);
            return true;
        }
        finally
        {
            await redis.LockReleaseAsync(lockKey, token);
        }
    }

    /// <summary>Raises the scope's durable high-water mark by one block and returns the new mark.</summary>
    private async Task<long> ReserveInDatabaseAsync(string scope, int blockSize, Func<Sql, long, Task>? onNewRun, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = onNewRun is null ? null : await connection.BeginTransactionAsync(ct);
        await using var command = connection.CreateCommand();
        command.Transaction = transaction;
        // LAST_INSERT_ID(expr) hands the new value back on this connection without a second locking read;
        // valid on MySQL 8 and MariaDB alike.
        command.CommandText = """
            INSERT INTO number_blocks (scope, reserved_up_to) VALUES (@scope, LAST_INSERT_ID(@block))
            ON DUPLICATE KEY UPDATE reserved_up_to = LAST_INSERT_ID(reserved_up_to + @block);
            SELECT LAST_INSERT_ID();
            """;
        command.Parameters.AddWithValue("@scope", scope);
        command.Parameters.AddWithValue("@block", blockSize);
        var upTo = Convert.ToInt64(await command.ExecuteScalarAsync(ct));
        if (onNewRun is not null)
        {
            await onNewRun(new Sql(connection, transaction), upTo - blockSize + 1);
            await transaction!.CommitAsync(ct);
        }
        return upTo;
    }
}
