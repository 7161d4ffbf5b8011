using Chat.Contracts;
using Chat.Domain.Data;
using Chat.Domain.Redis;
using Chat.Domain.Resilience;
using Microsoft.Extensions.Logging;
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
public sealed partial class NumberAllocator(IDatabase redis, MySqlDataSource database, IOptions<NumberingOptions> options,
    ILogger<NumberAllocator> log)
{
    private static readonly RedisScript Next = RedisScript.Load("number_next");
    private static readonly RedisScript State = RedisScript.Load("number_state");
    private static readonly RedisScript Install = RedisScript.Load("number_install");
    private static readonly RedisScript Extend = RedisScript.Load("number_extend");

    private static readonly TimeSpan LockTime = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Waits while another request reserves the scope's next block: a live holder installs it within milliseconds, so
    /// the first waits are short; a holder that died leaves the lock for up to <see cref="LockTime"/>, which the waits
    /// outlast, growing to 100 ms instead of asking Redis every few milliseconds all that time.
    /// </summary>
    private static readonly ResiliencePipeline<int?> WaitForBlock =
        Retries.WaitFor<int?>(n => n is null, LockTime + TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(100));

    /// <summary>A new chat's number; the block of its first messages is reserved at once in the background, so that they need no MySQL.</summary>
    /// <exception cref="TimeoutException">No block could be reserved in time (a 503 for the client).</exception>
    public async Task<int> NextChatAsync(long applicationId, CancellationToken ct)
    {
        var number = await NextAsync(RedisKeys.ChatNumbers(applicationId), NumberScopes.Chats(applicationId), ct);
        ReserveAhead(RedisKeys.MessageNumbers(applicationId, number), NumberScopes.Messages(applicationId, number), onNewRun: null);
        return number;
    }

    /// <summary>The next message number of a chat.</summary>
    /// <exception cref="TimeoutException">No block could be reserved in time (a 503 for the client).</exception>
    public Task<int> NextMessageAsync(long applicationId, int chatNumber, CancellationToken ct) =>
        NextAsync(RedisKeys.MessageNumbers(applicationId, chatNumber), NumberScopes.Messages(applicationId, chatNumber), ct);

    private async Task<int> NextAsync(string counter, string scope, CancellationToken ct) =>
        await WaitForBlock.ExecuteAsync(async token =>
                await TakeAsync(counter, scope) ?? (await EnsureBlockAsync(counter, scope, onNewRun: null, token) ? await TakeAsync(counter, scope) : null), ct)
        ?? throw new TimeoutException($"Could not reserve numbers for {scope} in time.");

    private async Task<int?> TakeAsync(string counter, string scope)
    {
        var taken = (RedisResult[])(await Next.RunAsync(redis, [counter]))!;
        if ((int)taken[1] == 1) ReserveAhead(counter, scope, onNewRun: null);
        return (long)taken[0] is var n && n > 0 ? checked((int)n) : null;
    }

    /// <summary>
    /// In the background, off the request's path: reserves a scope's next block before its current one runs out (or its
    /// first block, for a scope about to be used), so that a MySQL outage shorter than a block's worth of writes costs
    /// none of them. Does nothing while another request reserves; a failure only means the reservation waits for the
    /// next request that finds the block low.
    /// </summary>
    public void ReserveAhead(string counter, string scope, Func<Sql, long, Task>? onNewRun) => _ = ReserveAheadAsync(counter, scope, onNewRun);

    private async Task ReserveAheadAsync(string counter, string scope, Func<Sql, long, Task>? onNewRun)
    {
        try
        {
            await UnderLockAsync(counter, state => state switch
            {
                3 => ExtendBlockAsync(counter, scope),
                < 2 => InstallNextBlockAsync(counter, scope, state, onNewRun, CancellationToken.None),
                _ => Task.CompletedTask,
            });
        }
        catch (Exception e)
        {
            // Nobody awaits this: whatever went wrong, a request that needs the block reserves it itself.
            LogNotReservedAhead(scope, e.Message);
        }
    }

    /// <summary>
    /// Makes sure a scope's counter has numbers of this server run left, reserving the next block under the scope's
    /// lock: one replica at a time reserves, so concurrent requests share a block instead of each burning one.
    /// </summary>
    /// <param name="onNewRun">Called in the reservation's transaction when the counter had no block of this server run
    /// (Redis lost it or restarted), with the block's first number: numbers before it may never be handed out.</param>
    /// <returns>False while another request holds the lock (try again shortly).</returns>
    public Task<bool> EnsureBlockAsync(string counter, string scope, Func<Sql, long, Task>? onNewRun, CancellationToken ct) =>
        // A state of 2 or 3: installed by the previous lock holder.
        UnderLockAsync(counter, state => state >= 2 ? Task.CompletedTask : InstallNextBlockAsync(counter, scope, state, onNewRun, ct));

    /// <summary>Runs <paramref name="reserve"/> with the counter's state (as number_state.lua says) under the scope's lock; false when another holds it.</summary>
    private async Task<bool> UnderLockAsync(string counter, Func<int, Task> reserve)
    {
        var lockKey = counter + ":reserving";
        var token = Guid.NewGuid().ToString();
        if (!await redis.LockTakeAsync(lockKey, token, LockTime)) return false;
        try
        {
            await reserve((int)await State.RunAsync(redis, [counter]));
            return true;
        }
        finally
        {
            await redis.LockReleaseAsync(lockKey, token);
        }
    }

    /// <summary>Reserves the block after the one in use and appends it (the lock held).</summary>
    private async Task ExtendBlockAsync(string counter, string scope)
    {
        var blockSize = options.Value.BlockSizeOf(scope);
        var upTo = await ReserveInDatabaseAsync(scope, blockSize, onNewRun: null, CancellationToken.None);
        await Extend.RunAsync(redis, [counter], [upTo - blockSize, upTo]);
    }

    /// <summary>Reserves the scope's next block and makes it the one in use (the lock held; state as number_state.lua says).</summary>
    private async Task InstallNextBlockAsync(string counter, string scope, int state, Func<Sql, long, Task>? onNewRun, CancellationToken ct)
    {
        var blockSize = options.Value.BlockSizeOf(scope);
        var upTo = await ReserveInDatabaseAsync(scope, blockSize, state == 0 ? onNewRun : null, ct);
        await Install.RunAsync(redis, [counter], [upTo - blockSize, upTo]);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Numbers of {Scope} not reserved ahead: {Reason}")]
    private partial void LogNotReservedAhead(string scope, string reason);
}
