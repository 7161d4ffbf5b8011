using Chat.Contracts;
using Chat.Domain.Numbers;
using Chat.Domain.Resilience;
using MySqlConnector;
using Polly;

namespace Chat.Domain.Pipeline;

/// <summary>
/// Positions in an application's change feed (docs/decisions/0015). accept.lua hands them out, with the changes they
/// record, from a block reserved durably as numbers are (docs/decisions/0003), so a position is never handed out twice
/// even when Redis loses its data. A block reserved because Redis held none of its current run starts a new epoch:
/// positions before it that were never handed out stay gaps, and readers learn from the epoch that a gap may be real.
/// </summary>
public sealed class FeedPositions(NumberAllocator numbers)
{
    /// <summary>While another request reserves the block, look again every few milliseconds, as for numbers.</summary>
    private static readonly ResiliencePipeline<bool> WaitForBlock =
        Retries.WaitFor<bool>(reserved => !reserved, TimeSpan.FromSeconds(6), TimeSpan.FromMilliseconds(2), TimeSpan.FromMilliseconds(100));

    /// <exception cref="TimeoutException">No block could be reserved in time (a 503 for the client).</exception>
    public async Task ReserveAsync(long applicationId, CancellationToken ct)
    {
        if (!await WaitForBlock.ExecuteAsync(async token => await numbers.EnsureBlockAsync(RedisKeys.FeedSeq(applicationId),
                NumberScopes.Feed(applicationId), (sql, first) => StartEpochAsync(sql, applicationId, first, token), token), ct))
            throw new TimeoutException($"Could not reserve feed positions of application {applicationId} in time.");
    }

    /// <summary>The next block, reserved in the background before this one runs out (<see cref="NumberAllocator.ReserveAhead"/>).</summary>
    public void ReserveAhead(long applicationId) => numbers.ReserveAhead(RedisKeys.FeedSeq(applicationId), NumberScopes.Feed(applicationId),
        (sql, first) => StartEpochAsync(sql, applicationId, first, CancellationToken.None));

    private static Task StartEpochAsync(Data.Sql sql, long applicationId, long first, CancellationToken ct) => sql.ExecuteAsync(
        "INSERT INTO feed_epochs (application_id, first_seq, started_at) VALUES (@app, @first, UTC_TIMESTAMP(6))",
        [new MySqlParameter("@app", applicationId), new MySqlParameter("@first", first)], ct);
}
