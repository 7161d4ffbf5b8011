using System.Globalization;
using System.Text;
using MySqlConnector;

namespace Chat.Domain.Data;

/// <summary>
/// Raw statements for whole batches, each one round trip. Values other than integers travel as parameters.
/// <c>VALUES(col)</c> in <c>ON DUPLICATE KEY UPDATE</c> is the form MySQL 8 and MariaDB both accept.
/// </summary>
public sealed class Sql(MySqlConnection connection, MySqlTransaction? transaction)
{
    /// <summary>The applications among <paramref name="ids"/> that have a row: id → deleted (marked, not purged yet).</summary>
    public async Task<Dictionary<long, bool>> ApplicationsAsync(IReadOnlyCollection<long> ids, CancellationToken ct)
    {
        var known = new Dictionary<long, bool>();
        if (ids.Count == 0) return known;
        await using var command = Command($"SELECT id, deleted_at IS NOT NULL FROM applications WHERE id IN ({List(ids)})", []);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) known[reader.GetInt64(0)] = reader.GetBoolean(1);
        return known;
    }

    /// <summary>Chat rows by (application, number): id and whether the chat is deleted.</summary>
    public async Task<Dictionary<(long App, int Number), (long Id, bool Deleted)>> ChatRowsAsync(IReadOnlyCollection<(long App, int Number)> keys,
        CancellationToken ct)
    {
        var rows = new Dictionary<(long, int), (long, bool)>();
        if (keys.Count == 0) return rows;
        await using var command = Command(SelectKeys("application_id, number, id, deleted_at IS NOT NULL", "chats", "application_id", keys), []);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) rows[(reader.GetInt64(0), reader.GetInt32(1))] = (reader.GetInt64(2), reader.GetBoolean(3));
        return rows;
    }

    /// <summary>The uid stored under each (parent, number) key of a table: who owns the number (keys not asked for may be among them).</summary>
    public async Task<Dictionary<(long Parent, int Number), Guid>> UidsAsync(string table, string parentColumn,
        IReadOnlyCollection<(long Parent, int Number)> keys, CancellationToken ct)
    {
        var uids = new Dictionary<(long, int), Guid>();
        if (keys.Count == 0) return uids;
        await using var command = Command(SelectKeys($"{parentColumn}, number, uid", table, parentColumn, keys), []);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) uids[(reader.GetInt64(0), reader.GetInt32(1))] = reader.GetGuid(2);
        return uids;
    }

    /// <summary>A multi-row <c>INSERT … VALUES (…), (…) ON DUPLICATE KEY UPDATE …</c> in one round trip.</summary>
    public async Task UpsertAsync(string insert, IEnumerable<object?[]> rows, string onDuplicate, CancellationToken ct)
    {
        var parameters = new List<MySqlParameter>();
        var values = string.Join(",", rows.Select(row => Row(parameters, row)));
        if (values.Length == 0) return;
        await using var command = Command($"{insert} VALUES {values} ON DUPLICATE KEY UPDATE {onDuplicate}", parameters);
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<int> ExecuteAsync(string text, IEnumerable<MySqlParameter> parameters, CancellationToken ct)
    {
        await using var command = Command(text, parameters);
        return await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>Deletes up to <paramref name="chunk"/> rows; called until it returns 0, so no statement holds locks for long.</summary>
    public async Task<int> DeleteChunkAsync(string table, string column, IReadOnlyCollection<long> ids, int chunk, CancellationToken ct)
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
    private static string Row(List<MySqlParameter> parameters, object?[] values)
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
    private static string List(IEnumerable<long> ids) => string.Join(",", ids.Select(id => id.ToString(CultureInfo.InvariantCulture)));

    private static string Pairs(IEnumerable<(long, int)> keys) =>
        string.Join(",", keys.Select(k => string.Create(CultureInfo.InvariantCulture, $"({k.Item1},{k.Item2})")));

    /// <summary>Under this many numbers of one parent, a list of pairs plans as cheaply as a range of its own (measured).</summary>
    private const int RangeFrom = 20;

    /// <summary>
    /// <c>SELECT columns FROM table</c> for (parent, number) keys: a part with one index range for each parent with at least
    /// <see cref="RangeFrom"/> dense numbers, the other keys in one list of pairs, joined by UNION ALL. MariaDB plans a long
    /// IN list far more expensively than a range: for the 500 numbers of a batch in one chat, about 7 ms against 0.25 ms (an OR
    /// of ranges is worse still; docs/benchmarks.md). A range may select keys not asked for: callers look up their own.
    /// </summary>
    private static string SelectKeys(string columns, string table, string parentColumn, IEnumerable<(long Parent, int Number)> keys)
    {
        var parts = new List<string>();
        var listed = new List<(long, int)>();
        foreach (var parent in keys.GroupBy(k => k.Parent))
        {
            var numbers = parent.Select(k => k.Number).Distinct().ToList();
            if (numbers.Count >= RangeFrom && IsDense(numbers))
                parts.Add(string.Create(CultureInfo.InvariantCulture,
                    $"SELECT {columns} FROM {table} WHERE {parentColumn} = {parent.Key} AND number BETWEEN {numbers.Min()} AND {numbers.Max()}"));
            else listed.AddRange(numbers.Select(n => (parent.Key, n)));
        }
        if (listed.Count > 0) parts.Add($"SELECT {columns} FROM {table} WHERE ({parentColumn}, number) IN ({Pairs(listed)})");
        return string.Join(" UNION ALL ", parts);
    }

    /// <summary>
    /// A condition on <paramref name="column"/> selecting these numbers: one range when they are dense, else their list,
    /// which MariaDB plans several times slower (50 numbers: 0.5–0.7 against 0.1–0.15 ms). It may select numbers not asked for.
    /// </summary>
    public static string NumbersIn(string column, IReadOnlyCollection<int> numbers) => IsDense(numbers)
        ? string.Create(CultureInfo.InvariantCulture, $"{column} BETWEEN {numbers.Min()} AND {numbers.Max()}")
        : $"{column} IN ({string.Join(",", numbers.Select(n => n.ToString(CultureInfo.InvariantCulture)))})";

    /// <summary>Spanning at most twice as many numbers as there are: a range reads little besides them.</summary>
    private static bool IsDense(IReadOnlyCollection<int> numbers) => (long)numbers.Max() - numbers.Min() < 2L * numbers.Count;
}
