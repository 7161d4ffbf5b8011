using System.Diagnostics;
using Chat.Domain.Counts;
using Chat.Tests.Counts;
using MySqlConnector;

namespace Chat.Measurements;

/// <summary>
/// Measures one incremental reconciliation (1% of the chats changed) next to a full recount, on 1,000,000 messages in
/// 10,000 chats; run it with bench/counts. The data lives in its own database and Redis database (bench/counts sets
/// them) and is generated once, then reused.
/// </summary>
public sealed class CountsBenchmark
{
    private const int Applications = 100;
    private const int ChatsPerApplication = 100;
    private const int MessagesPerChat = 100;
    private const int Chats = Applications * ChatsPerApplication;
    private const int ChangedChats = Chats / 100;
    private const int Rounds = 3;

    private const string FullRecountSql = """
        UPDATE chats c
        LEFT JOIN (SELECT chat_id, COUNT(*) AS n FROM messages WHERE deleted_at IS NULL GROUP BY chat_id) m ON m.chat_id = c.id
        SET c.messages_count = COALESCE(m.n, 0)
        WHERE c.messages_count <> COALESCE(m.n, 0);
        UPDATE applications a
        LEFT JOIN (SELECT application_id, COUNT(*) AS n FROM chats WHERE deleted_at IS NULL GROUP BY application_id) c ON c.application_id = a.id
        SET a.chats_count = COALESCE(c.n, 0)
        WHERE a.chats_count <> COALESCE(c.n, 0);
        """;

    private string _connectionString = "";
    private long _nextNumber;

    [OneTimeSetUp]
    public async Task GenerateOnce()
    {
        _connectionString = new MySqlConnectionStringBuilder(MeasuredDatabase.MySql) { GuidFormat = MySqlGuidFormat.Binary16 }.ConnectionString;
        // Rounds add a few messages; regenerate only when the shape is not the benchmark's.
        if (await ScalarAsync("SELECT COUNT(*) FROM chats") == Chats &&
            await ScalarAsync("SELECT COUNT(*) FROM messages WHERE number <= " + MessagesPerChat) == Chats * MessagesPerChat) return;
        var clock = Stopwatch.StartNew();
        await ExecuteAsync(_connectionString, "DELETE FROM messages; DELETE FROM chats; DELETE FROM applications;");
        await ExecuteAsync(_connectionString, $"""
            INSERT INTO applications (token, name, chats_count, created_at, updated_at)
            SELECT LPAD(s.n, 32, 'b'), CONCAT('bench ', s.n), 0, NOW(6), NOW(6)
            FROM (WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {Applications}) SELECT n FROM seq) s;
            INSERT INTO chats (application_id, number, uid, messages_count, created_at, updated_at)
            SELECT a.id, s.n, UNHEX(MD5(CONCAT(a.id, ':', s.n))), 0, NOW(6), NOW(6)
            FROM applications a
            CROSS JOIN (WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {ChatsPerApplication}) SELECT n FROM seq) s;
            """);
        var (first, last) = (await ScalarAsync("SELECT MIN(id) FROM chats"), await ScalarAsync("SELECT MAX(id) FROM chats"));
        for (var from = first; from <= last; from += 500)
            await ExecuteAsync(_connectionString, $"""
                INSERT INTO messages (chat_id, number, uid, body, created_at, updated_at, deleted_at)
                SELECT c.id, s.n, UNHEX(MD5(CONCAT(c.id, ':', s.n))), CONCAT('benchmark message ', s.n, ' of chat ', c.id),
                       NOW(6), NOW(6), IF(s.n % 20 = 0, NOW(6), NULL)
                FROM chats c
                CROSS JOIN (WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {MessagesPerChat}) SELECT n FROM seq) s
                WHERE c.id BETWEEN {from} AND {from + 499}
                """);
        await ExecuteAsync(_connectionString, "ANALYZE TABLE applications, chats, messages");
        TestContext.Progress.WriteLine($"generated {Applications} applications, {Chats} chats, {Chats * MessagesPerChat} messages (5% deleted) in {clock.Elapsed.TotalSeconds:F0} s");
    }

    [Test]
    public async Task IncrementalRunNextToFullRecount()
    {
        using var replica = new CountsReplica();
        await replica.Redis.KeyDeleteAsync([CountMarks.DirtyApplications, CountMarks.DirtyChats, CountMarks.ProcessingApplications, CountMarks.ProcessingChats]);
        await ExecuteAsync(_connectionString, "UPDATE chats SET messages_count = 0; UPDATE applications SET chats_count = 0");
        var warmUp = await TimeAsync(replica.RunAsync); // connections, JIT, script load: not what is measured
        Report("incremental run, no marks, first call (cold)", warmUp, 0);

        var fromZero = await TimeAsync(() => ExecuteAsync(_connectionString, FullRecountSql));
        Report("full recount, every count wrong", fromZero, Chats + Applications);
        var nothingWrong = await TimeAsync(() => ExecuteAsync(_connectionString, FullRecountSql));
        Report("full recount, nothing wrong", nothingWrong, 0);

        var chatIds = await IdsAsync("SELECT id FROM chats ORDER BY id");
        _nextNumber = await ScalarAsync("SELECT MAX(number) FROM messages") + 1; // earlier runs added some
        for (var round = 1; round <= Rounds; round++)
        {
            var changed = Random.Shared.GetItems(chatIds, ChangedChats).Distinct().ToArray();
            await ChangeAsync(changed, round);
            var full = await TimeAsync(() => ExecuteAsync(_connectionString, FullRecountSql));
            Report($"round {round}: full recount, 1% changed", full, changed.Length);

            await ChangeAsync(changed, round + 100);
            var apps = await IdsAsync($"SELECT DISTINCT application_id FROM chats WHERE id IN ({string.Join(",", changed)})");
            await replica.Marks.MarkAsync(apps, changed);
            CountRun? run = null;
            var incremental = await TimeAsync(async () => run = await replica.RunAsync());
            Report($"round {round}: incremental run, 1% marked", incremental, run!.RowsChanged);

            await replica.Marks.MarkAsync(apps, changed);
            var unchanged = await TimeAsync(async () => run = await replica.RunAsync());
            Report($"round {round}: incremental run, 1% marked, nothing wrong", unchanged, run!.RowsChanged);
            var empty = await TimeAsync(async () => run = await replica.RunAsync());
            Report($"round {round}: incremental run, no marks", empty, run!.RowsChanged);
        }

        Assert.That(await ScalarAsync("""
            SELECT COUNT(*) FROM chats c
            LEFT JOIN (SELECT chat_id, COUNT(*) AS n FROM messages WHERE deleted_at IS NULL GROUP BY chat_id) m ON m.chat_id = c.id
            WHERE c.messages_count <> COALESCE(m.n, 0)
            """), Is.Zero, "the incremental runs left every count right");
    }

    /// <summary>Each changed chat gets two new messages and loses an old one (unless an earlier run deleted it).</summary>
    private Task ChangeAsync(long[] chats, int round) => ExecuteAsync(_connectionString, $"""
        INSERT INTO messages (chat_id, number, uid, body, created_at, updated_at)
        SELECT c.id, {(_nextNumber += 2) - 2} + s.n, UNHEX(REPLACE(UUID(), '-', '')), 'new', NOW(6), NOW(6)
        FROM chats c CROSS JOIN (SELECT 1 AS n UNION ALL SELECT 2) s WHERE c.id IN ({string.Join(",", chats)});
        UPDATE messages SET deleted_at = NOW(6)
        WHERE chat_id IN ({string.Join(",", chats)}) AND number = {round % 19 + 1} AND deleted_at IS NULL;
        """);

    private static void Report(string what, TimeSpan took, long rows) =>
        TestContext.Progress.WriteLine($"{what,-55} {took.TotalMilliseconds,10:F1} ms  {rows,6} rows changed");

    private static async Task<TimeSpan> TimeAsync(Func<Task> action)
    {
        var clock = Stopwatch.StartNew();
        await action();
        return clock.Elapsed;
    }

    private async Task<long> ScalarAsync(string sql)
    {
        await using var connection = new MySqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    private async Task<long[]> IdsAsync(string sql)
    {
        await using var connection = new MySqlConnection(_connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new List<long>();
        while (await reader.ReadAsync()) ids.Add(reader.GetInt64(0));
        return ids.ToArray();
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection) { CommandTimeout = 600 };
        await command.ExecuteNonQueryAsync();
    }
}
