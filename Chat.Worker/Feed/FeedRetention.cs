using System.Globalization;
using Chat.Domain.Data;
using Chat.Domain.Pipeline;
using Hangfire;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Chat.Worker.Feed;

/// <summary>
/// Keeps the feed table's daily partitions (docs/decisions/0015): a week of empty ones ahead, split off the catch-all
/// <c>p_future</c> before rows reach them, and days older than <see cref="FeedOptions.Retention"/> dropped whole (no row
/// by row delete) after noting, per application, the last position they held: an older position is then a 410.
/// Hourly and at worker start; idempotent, and one run at a time across workers.
/// </summary>
public sealed partial class FeedRetention(MySqlDataSource database, TimeProvider clock, IOptions<FeedOptions> options, ILogger<FeedRetention> log)
{
    public const string JobId = "feed-retention";
    private const int DaysAhead = 7;

    [DisableConcurrentExecution(timeoutInSeconds: 60)]
    [AutomaticRetry(Attempts = 3, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    public async Task RunAsync(CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        await using var connection = await database.OpenConnectionAsync(ct);
        var days = await DaysAsync(connection, ct);

        // Only days after the last partition can be split off p_future. A missing day before it (a worker whose clock ran
        // ahead made later ones) needs none: its rows fall into the next partition up, which a range partition takes.
        var last = days.Count > 0 ? days.Max() : DateOnly.MinValue;
        var missing = Enumerable.Range(0, DaysAhead + 1).Select(today.AddDays).Where(d => d > last).ToList();
        if (missing.Count > 0)
        {
            var parts = missing.Select(d => $"PARTITION {Name(d)} VALUES LESS THAN (TO_DAYS('{d.AddDays(1):yyyy-MM-dd}'))");
            await ExecuteAsync(connection, $"ALTER TABLE feed REORGANIZE PARTITION p_future INTO ({string.Join(", ", parts)}, PARTITION p_future VALUES LESS THAN MAXVALUE)", ct);
            LogAdded(missing.Count);
        }

        var oldestKept = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime - options.Value.Retention);
        foreach (var day in days.Where(d => d < oldestKept).Order())
        {
            await ExecuteAsync(connection, $"""
                INSERT INTO feed_retention (application_id, dropped_up_to, dropped_at)
                SELECT application_id, MAX(seq), UTC_TIMESTAMP(6) FROM feed PARTITION ({Name(day)}) GROUP BY application_id
                ON DUPLICATE KEY UPDATE dropped_up_to = GREATEST(dropped_up_to, VALUES(dropped_up_to)), dropped_at = VALUES(dropped_at)
                """, ct);
            await ExecuteAsync(connection, $"ALTER TABLE feed DROP PARTITION {Name(day)}", ct);
            LogDropped(day);
        }
    }

    /// <summary>The days that have a partition of their own (named dYYYYMMDD).</summary>
    private static async Task<HashSet<DateOnly>> DaysAsync(MySqlConnection connection, CancellationToken ct)
    {
        await using var command = new MySqlCommand(
            "SELECT PARTITION_NAME FROM information_schema.PARTITIONS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'feed'", connection);
        var days = new HashSet<DateOnly>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            if (DateOnly.TryParseExact(reader.GetString(0), "'d'yyyyMMdd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day))
                days.Add(day);
        return days;
    }

    private static string Name(DateOnly day) => day.ToString("'d'yyyyMMdd", CultureInfo.InvariantCulture);

    private static async Task ExecuteAsync(MySqlConnection connection, string sql, CancellationToken ct) =>
        await new Sql(connection, null).ExecuteAsync(sql, [], ct);

    [LoggerMessage(Level = LogLevel.Information, Message = "Feed: {Count} daily partitions added ahead")]
    private partial void LogAdded(int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Feed: the partition of {Day} dropped (older than the retention)")]
    private partial void LogDropped(DateOnly day);
}
