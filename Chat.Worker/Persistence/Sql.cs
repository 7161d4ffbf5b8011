using System.Globalization;
using System.Text;
using Chat.Domain.Messaging;
using MySqlConnector;

namespace Chat.Worker.Persistence;

/// <summary>
/// The worker's statements, each one round trip for a whole batch. Values other than integers travel as parameters.
/// <c>VALUES(col)</c> in <c>ON DUPLICATE KEY UPDATE</c> is the form MySQL 8 and MariaDB both accept.
/// </summary>
internal sealed partial class Sql(MySqlConnection connection, MySqlTransaction? transaction)
{
    // Column order matters: MySQL applies the assignments left to right, so every condition must read the old
    // updated_at and deleted_at; updated_at is assigned after the columns it guards, deleted_at last.
    private const string NewerAndLive = "deleted_at IS NULL AND VALUES(updated_at) >= updated_at";

    /// <summary>The applications among <paramref name="ids"/> that have a row: id → deleted (marked, not purged yet).</summary>
    public async Task<Dictionary<long, bool>> ApplicationsAsync(IReadOnlyList<long> ids, CancellationToken ct)
    {
        var known = new Dictionary<long, bool>();
        if (ids.Count == 0) return known;
        await using var command = Command($"SELECT id, deleted_at IS NOT NULL FROM applications WHERE id IN ({List(ids)})", []);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) known[reader.GetInt64(0)] = reader.GetBoolean(1);
        return known;
    }

    public async Task<Dictionary<(long App, int Number), Guid>> ChatUidsAsync(IReadOnlyList<(long App, int Number)> keys, CancellationToken ct)
    {
        var uids = new Dictionary<(long, int), Guid>();
        await using var command = Command($"SELECT application_id, number, uid FROM chats WHERE (application_id, number) IN ({Pairs(keys)})", []);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) uids[(reader.GetInt64(0), reader.GetInt32(1))] = reader.GetGuid(2);
        return uids;
    }

    public async Task<Dictionary<(long App, int Number), (long Id, bool Deleted)>> ChatRowsAsync(IReadOnlyList<(long App, int Number)> keys, CancellationToken ct)
    {
        var rows = new Dictionary<(long, int), (long, bool)>();
        if (keys.Count == 0) return rows;
        await using var command = Command(
            $"SELECT application_id, number, id, deleted_at IS NOT NULL FROM chats WHERE (application_id, number) IN ({Pairs(keys)})", []);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) rows[(reader.GetInt64(0), reader.GetInt32(1))] = (reader.GetInt64(2), reader.GetBoolean(3));
        return rows;
    }

    public async Task<Dictionary<(long ChatRow, int Number), Guid>> MessageUidsAsync(IReadOnlyList<(long ChatRow, int Number)> keys, CancellationToken ct)
    {
        var uids = new Dictionary<(long, int), Guid>();
        if (keys.Count == 0) return uids;
        await using var command = Command($"SELECT chat_id, number, uid FROM messages WHERE (chat_id, number) IN ({Pairs(keys)})", []);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) uids[(reader.GetInt64(0), reader.GetInt32(1))] = reader.GetGuid(2);
        return uids;
    }

    public async Task UpsertChatsAsync(IReadOnlyList<ChatState> chats, CancellationToken ct)
    {
        if (chats.Count == 0) return;
        var parameters = new List<MySqlParameter>();
        var rows = string.Join(",", chats.Select(c => Row(parameters, c.ApplicationId, c.Number, c.Uid, c.Name, c.CreatedAt, c.UpdatedAt, c.DeletedAt, 0, c.DistinctKey)));
        await using var command = Command($"""
            INSERT INTO chats (application_id, number, uid, name, created_at, updated_at, deleted_at, messages_count, distinct_key) VALUES {rows}
            ON DUPLICATE KEY UPDATE
              name = IF({NewerAndLive}, VALUES(name), name),
              updated_at = IF({NewerAndLive}, VALUES(updated_at), updated_at),
              deleted_at = COALESCE(deleted_at, VALUES(deleted_at))
            """, parameters);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task UpsertMessagesAsync(IReadOnlyList<(long ChatRow, MessageState Message)> messages, CancellationToken ct)
    {
        if (messages.Count == 0) return;
        var parameters = new List<MySqlParameter>();
        var rows = string.Join(",", messages.Select(m => Row(parameters, m.ChatRow, m.Message.Number, m.Message.Uid, m.Message.Body,
            m.Message.Sender, m.Message.SentAt, m.Message.CreatedAt, m.Message.UpdatedAt, m.Message.DeletedAt)));
        await using var command = Command($"""
            INSERT INTO messages (chat_id, number, uid, body, sender, sent_at, created_at, updated_at, deleted_at) VALUES {rows}
            ON DUPLICATE KEY UPDATE
              body = IF({NewerAndLive}, VALUES(body), body),
              updated_at = IF({NewerAndLive}, VALUES(updated_at), updated_at),
              deleted_at = COALESCE(deleted_at, VALUES(deleted_at))
            """, parameters);
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Deletes up to <paramref name="chunk"/> rows; called until it returns 0, so no statement holds locks for long.</summary>
    public async Task<int> DeleteChunkAsync(string table, string column, IReadOnlyList<long> ids, int chunk, CancellationToken ct)
    {
        await using var command = Command($"DELETE FROM {table} WHERE {column} IN ({List(ids)}) LIMIT {chunk}", []);
        return await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<List<long>> ChatRowsOfApplicationAsync(long applicationId, int limit, CancellationToken ct)
    {
        await using var command = Command("SELECT id FROM chats WHERE application_id = @app LIMIT @limit",
            [new MySqlParameter("@app", applicationId), new MySqlParameter("@limit", limit)]);
        var ids = new List<long>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) ids.Add(reader.GetInt64(0));
        return ids;
    }

    public async Task DeleteApplicationRowAsync(long applicationId, CancellationToken ct)
    {
        await using var command = Command("DELETE FROM applications WHERE id = @app AND deleted_at IS NOT NULL", [new MySqlParameter("@app", applicationId)]);
        await command.ExecuteNonQueryAsync(ct);
    }

    private MySqlCommand Command(string text, IEnumerable<MySqlParameter> parameters)
    {
        var command = new MySqlCommand(text, connection, transaction);
        command.Parameters.AddRange(parameters.ToArray());
        return command;
    }

    /// <summary>
    /// A row of values. Integers and NULLs are written into the statement (they cannot carry SQL); everything else
    /// travels as a parameter. MySqlConnector binds parameters on the client, a few microseconds each, and a batch
    /// of 500 messages carried 5,500 of them before (docs/benchmarks.md).
    /// </summary>
    private static string Row(List<MySqlParameter> parameters, params object?[] values)
    {
        var row = new StringBuilder("(");
        foreach (var value in values)
        {
            if (row.Length > 1) row.Append(',');
            switch (value)
            {
                case null:
                    row.Append("NULL");
                    break;
                case int or long:
                    row.Append(CultureInfo.InvariantCulture, $"{value}");
                    break;
                default:
                    var name = $"@p{parameters.Count}";
                    parameters.Add(new MySqlParameter(name, value));
                    row.Append(name);
                    break;
            }
        }
        return row.Append(')').ToString();
    }

    /// <summary>Integers are written into the statement, as in <see cref="Row"/>.</summary>
    private static string List(IReadOnlyList<long> ids) => string.Join(",", ids.Select(id => id.ToString(CultureInfo.InvariantCulture)));

    private static string Pairs(IReadOnlyList<(long, int)> keys) =>
        string.Join(",", keys.Select(k => string.Create(CultureInfo.InvariantCulture, $"({k.Item1},{k.Item2})")));
}
