using System.Diagnostics;
using System.Globalization;
using System.Text;
using Chat.Contracts;
using MySqlConnector;

namespace Chat.Bench;

/// <summary>
/// Direct SQL against the product's schema: fast generation of big histories, the raw INSERT ceiling, and
/// the row counts the drain and lag measurements poll.
/// </summary>
public sealed class Database(Settings settings)
{
    private static readonly DateTime Epoch = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public async Task<MySqlConnection> OpenAsync()
    {
        var connection = new MySqlConnection(settings.MySql);
        await connection.OpenAsync();
        return connection;
    }

    public async Task<long> ScalarAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    public async Task ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = await OpenAsync();
        await using var command = new MySqlCommand(sql, connection) { CommandTimeout = 600 };
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>An application with chats 1..<paramref name="chats"/>, written as the worker would have; returns (id, token).</summary>
    public async Task<(long Id, string Token)> CreateApplicationAsync(string name, int chats)
    {
        var token = ApplicationToken.New();
        var id = await ScalarAsync("""
            INSERT INTO applications (token, name, chats_count, created_at, updated_at) VALUES (@token, @name, @chats, @now, @now);
            SELECT LAST_INSERT_ID();
            """, ("@token", token), ("@name", name), ("@chats", chats), ("@now", Epoch));
        for (var first = 1; first <= chats; first += 2000)
        {
            var rows = Enumerable.Range(first, Math.Min(2000, chats - first + 1))
                .Select(n => $"({id},{n},X'{Convert.ToHexString(Guid.NewGuid().ToByteArray())}','bench',0,'{Stamp(Epoch)}','{Stamp(Epoch)}')");
            await ExecuteAsync($"INSERT INTO chats (application_id, number, uid, name, messages_count, created_at, updated_at) VALUES {string.Join(",", rows)}");
        }
        // Numbers the API must never hand out again (docs/decisions/0003).
        await ExecuteAsync("INSERT INTO number_blocks (scope, reserved_up_to) VALUES (@scope, @upTo)", ("@scope", NumberScopes.Chats(id)), ("@upTo", chats));
        return (id, token);
    }

    public Task<long> ChatRowAsync(long applicationId, int number) =>
        ScalarAsync("SELECT id FROM chats WHERE application_id = @app AND number = @number", ("@app", applicationId), ("@number", number));

    public Task<long> ApplicationIdAsync(string token) => ScalarAsync("SELECT id FROM applications WHERE token = @token", ("@token", token));

    /// <summary>Waits until the worker persisted chat <paramref name="number"/> of the application; returns its row id.</summary>
    public async Task<long> WaitForChatRowAsync(long applicationId, int number)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            var id = await ScalarAsync("SELECT COALESCE(MAX(id), 0) FROM chats WHERE application_id = @app AND number = @number",
                ("@app", applicationId), ("@number", number));
            if (id > 0) return id;
            await Task.Delay(100);
        }
        throw new TimeoutException($"chat {number} of application {applicationId} was not persisted within 60 s");
    }

    public async Task<bool> AnyMessageAsync(long chatRow) =>
        await ScalarAsync("SELECT EXISTS (SELECT 1 FROM messages WHERE chat_id = @chat)", ("@chat", chatRow)) == 1;

    public Task<long> CountMessagesAsync(long chatRow) =>
        ScalarAsync("SELECT COUNT(*) FROM messages WHERE chat_id = @chat", ("@chat", chatRow));

    /// <summary>
    /// Messages 1..<paramref name="perChat"/> in each chat, as literal multi-row INSERTs of 2,000 rows (the fastest
    /// plain-SQL way; only for set-up). Bodies are a few words; every 100th contains "needle" for search.
    /// </summary>
    public async Task GenerateMessagesAsync(long applicationId, IReadOnlyList<(int Number, long Row)> chats, int perChat)
    {
        await using var connection = await OpenAsync();
        var batch = new StringBuilder();
        var rows = 0;
        async Task FlushAsync()
        {
            if (rows == 0) return;
            await using var command = new MySqlCommand(
                $"INSERT INTO messages (chat_id, number, uid, body, created_at, updated_at) VALUES {batch}", connection) { CommandTimeout = 600 };
            await command.ExecuteNonQueryAsync();
            batch.Clear();
            rows = 0;
        }
        foreach (var (number, row) in chats)
        {
            for (var n = 1; n <= perChat; n++)
            {
                var at = Stamp(Epoch.AddSeconds(n));
                batch.Append(rows == 0 ? "" : ",")
                    .Append(CultureInfo.InvariantCulture, $"({row},{n},X'{Convert.ToHexString(Guid.NewGuid().ToByteArray())}','{Body(n)}','{at}','{at}')");
                if (++rows == 2000) await FlushAsync();
            }
        }
        await FlushAsync();
        var blocks = chats.Select(c => $"('{NumberScopes.Messages(applicationId, c.Number)}',{perChat})");
        foreach (var chunk in blocks.Chunk(2000))
            await ExecuteAsync($"INSERT INTO number_blocks (scope, reserved_up_to) VALUES {string.Join(",", chunk)}");
    }

    /// <summary>Each of three users reacts with two emoji to every message of the chat: six reaction rows per message.</summary>
    public Task ReactToEveryMessageAsync(long chatRow) => ExecuteAsync($"""
        INSERT INTO message_reactions (chat_id, number, user_id, reaction, updated_at)
        SELECT m.chat_id, m.number, u.id, r.emoji, '{Stamp(Epoch)}' FROM messages m
        CROSS JOIN (SELECT 'alice' AS id UNION ALL SELECT 'bob' UNION ALL SELECT 'carol') u
        CROSS JOIN (SELECT '👍' AS emoji UNION ALL SELECT '🎉') r
        WHERE m.chat_id = @chat
        """, ("@chat", chatRow));

    /// <summary>
    /// The raw ceiling of persistence: <paramref name="count"/> rows in multi-row INSERTs of the worker's batch size
    /// (500), one transaction per batch, parameters bound as the worker binds them, one connection. Returns seconds.
    /// </summary>
    public async Task<double> RawInsertAsync(long chatRow, int count, int batchSize = 500)
    {
        await using var connection = await OpenAsync();
        var clock = Stopwatch.StartNew();
        for (var first = 1; first <= count; first += batchSize)
        {
            await using var transaction = await connection.BeginTransactionAsync();
            var rows = new StringBuilder();
            await using var command = new MySqlCommand { Connection = connection, Transaction = transaction };
            var now = DateTime.UtcNow;
            for (var n = first; n < first + batchSize && n <= count; n++)
            {
                var p = command.Parameters.Count;
                rows.Append(rows.Length == 0 ? "" : ",").Append(CultureInfo.InvariantCulture, $"(@chat,@p{p},@p{p + 1},@p{p + 2},@p{p + 3},@p{p + 3})");
                command.Parameters.AddWithValue($"@p{p}", n);
                command.Parameters.AddWithValue($"@p{p + 1}", Guid.NewGuid());
                command.Parameters.AddWithValue($"@p{p + 2}", Body(n));
                command.Parameters.AddWithValue($"@p{p + 3}", now);
            }
            command.Parameters.AddWithValue("@chat", chatRow);
            command.CommandText = $"INSERT INTO messages (chat_id, number, uid, body, created_at, updated_at) VALUES {rows}";
            await command.ExecuteNonQueryAsync();
            await transaction.CommitAsync();
        }
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>InnoDB logical reads and the ones that had to go to the file (not in the buffer pool).</summary>
    public async Task<(long Requests, long FromDisk)> BufferPoolAsync()
    {
        await using var connection = await OpenAsync();
        await using var command = new MySqlCommand(
            "SHOW GLOBAL STATUS WHERE Variable_name IN ('Innodb_buffer_pool_read_requests', 'Innodb_buffer_pool_reads')", connection);
        await using var reader = await command.ExecuteReaderAsync();
        var values = new Dictionary<string, long>();
        while (await reader.ReadAsync()) values[reader.GetString(0)] = long.Parse(reader.GetString(1));
        return (values["Innodb_buffer_pool_read_requests"], values["Innodb_buffer_pool_reads"]);
    }

    private static readonly string[] Words =
    [
        "hello", "world", "meeting", "tomorrow", "lunch", "project", "deadline", "coffee", "review", "release", "thanks", "great",
        "see", "you", "later", "call", "me", "when", "ready", "the", "build", "is", "green", "again", "ship", "it", "today", "please",
        "check", "this", "document", "update", "on", "ticket", "weekend", "plans", "sounds", "good", "let", "us", "sync",
    ];

    /// <summary>Deterministic text of 6–12 words; "needle" in every 100th message.</summary>
    public static string Body(int n)
    {
        var text = new StringBuilder();
        var x = (uint)n * 2654435761u;
        var count = 6 + (int)(x % 7);
        for (var i = 0; i < count; i++)
        {
            x = x * 1664525u + 1013904223u;
            text.Append(i == 0 ? "" : " ").Append(Words[(x >> 16) % Words.Length]);
        }
        if (n % 100 == 0) text.Append(" needle");
        return text.Append(CultureInfo.InvariantCulture, $" #{n}").ToString();
    }

    private static string Stamp(DateTime at) => at.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture);
}
