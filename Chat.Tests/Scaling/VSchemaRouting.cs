using System.Text.Json;
using System.Text.RegularExpressions;

namespace Chat.Tests.Scaling;

/// <summary>
/// Reads docs/vitess/vschema.json and tells, for one SQL statement, which sharded tables it touches without naming their
/// sharding key: a vindex column compared with a value (<c>= ?</c>, <c>IN (…)</c>, a tuple <c>(col, …) IN (…)</c>), a
/// primary-vindex column in an INSERT's column list (or left to the table's Vitess sequence), or a join on columns of
/// the same vindex with a table that is keyed (rows of one application live on one shard, so such a join stays on it).
/// A textual check of the statements this product writes, not Vitess's planner: what it accepts, vtgate routes to the
/// shards of the keys named. A command of several statements is checked statement by statement.
/// </summary>
public sealed partial class VSchemaRouting
{
    private readonly Dictionary<string, List<(string Column, string Vindex)>> _tables;
    private readonly Dictionary<string, string> _sequenced;

    private VSchemaRouting(Dictionary<string, List<(string Column, string Vindex)>> tables, Dictionary<string, string> sequenced) =>
        (_tables, _sequenced) = (tables, sequenced);

    public IReadOnlyCollection<string> Tables => _tables.Keys;

    public static VSchemaRouting Load(string path)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(path));
        var tables = json.RootElement.GetProperty("tables").EnumerateObject().ToDictionary(
            t => t.Name,
            t => t.Value.GetProperty("column_vindexes").EnumerateArray()
                .Select(v => (v.GetProperty("column").GetString()!, v.GetProperty("name").GetString()!)).ToList());
        // Tables whose primary-vindex column a Vitess sequence fills in when an INSERT leaves it out.
        var sequenced = json.RootElement.GetProperty("tables").EnumerateObject()
            .Where(t => t.Value.TryGetProperty("auto_increment", out _))
            .ToDictionary(t => t.Name, t => t.Value.GetProperty("auto_increment").GetProperty("column").GetString()!);
        return new VSchemaRouting(tables, sequenced);
    }

    /// <summary>The sharded tables the statement names, by alias (a table without one is its own alias).</summary>
    public Dictionary<string, string> TablesOf(string statement)
    {
        var sql = Normalize(statement);
        var found = new Dictionary<string, string>();
        foreach (Match m in TableReference().Matches(sql))
        {
            var table = m.Groups["table"].Value;
            if (!_tables.ContainsKey(table)) continue;
            var alias = m.Groups["alias"].Success && !Keywords.Contains(m.Groups["alias"].Value) ? m.Groups["alias"].Value : table;
            found[alias] = table;
        }
        return found;
    }

    /// <summary>The sharded tables (by name) the command touches without naming a key for them.</summary>
    public IReadOnlyList<string> UnkeyedTables(string command) =>
        Normalize(command).Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .SelectMany(UnkeyedInStatement).Distinct().ToList();

    private IEnumerable<string> UnkeyedInStatement(string statement)
    {
        var sql = Normalize(statement);
        var tables = TablesOf(statement);
        var keyed = new HashSet<string>();

        var insert = InsertColumns().Match(sql);
        if (insert.Success && tables.ContainsKey(insert.Groups["table"].Value))
        {
            var table = insert.Groups["table"].Value;
            var primary = _tables[table][0].Column;
            var columns = insert.Groups["columns"].Value.Split(',').Select(c => c.Trim()).ToHashSet();
            if (columns.Contains(primary) || _sequenced.GetValueOrDefault(table) == primary) keyed.Add(table);
        }

        foreach (var (alias, table) in tables)
            if (_tables[table].Any(v => ComparedWithValue(sql, alias, v.Column, tables.Count == 1)))
                keyed.Add(alias);

        // A join on two columns of one vindex keeps rows of one key together: the other side is keyed too.
        var joins = ColumnEquality().Matches(sql).Select(m => (m.Groups["a"].Value, m.Groups["ac"].Value, m.Groups["b"].Value, m.Groups["bc"].Value))
            .Where(j => tables.ContainsKey(j.Item1) && tables.ContainsKey(j.Item3)).ToList();
        for (var changed = true; changed;)
        {
            changed = false;
            foreach (var (a, ac, b, bc) in joins)
            {
                if (VindexOf(tables[a], ac) is not { } va || va != VindexOf(tables[b], bc)) continue;
                if (keyed.Contains(a) && keyed.Add(b)) changed = true;
                if (keyed.Contains(b) && keyed.Add(a)) changed = true;
            }
        }
        return tables.Where(t => !keyed.Contains(t.Key)).Select(t => t.Value);
    }

    private string? VindexOf(string table, string column) => _tables[table].FirstOrDefault(v => v.Column == column).Vindex;

    private static bool ComparedWithValue(string sql, string alias, string column, bool only)
    {
        // alias.column, or the bare column (in a statement of one table, or a subquery that names its table without alias).
        var name = $@"(?:{Regex.Escape(alias)}\.{column}|(?<![\w.]){column})";
        if (Regex.IsMatch(sql, $@"{name}\s*=\s*(?:@|\?|'|-?\d|[a-z_]+\()") || Regex.IsMatch(sql, $@"{name}\s+in\s*\(")) return true;
        return TupleIn().Matches(sql).Any(m => m.Groups["columns"].Value.Split(',')
            .Any(c => Regex.IsMatch(c.Trim(), $"^{name}$")));
    }

    /// <summary>Lower case, no back-quotes, one space between words: EF Core's and the hand-written SQL look alike.</summary>
    public static string Normalize(string statement) => Spaces().Replace(statement.Replace("`", "").ToLowerInvariant(), " ").Trim();

    /// <summary>The statement with its literals and parameters replaced, so one shape is listed once.</summary>
    public static string Shape(string statement) =>
        Lists().Replace(Literals().Replace(Normalize(statement), "?"), "(?)");

    private static readonly HashSet<string> Keywords =
        ["where", "on", "set", "join", "left", "inner", "values", "group", "order", "limit", "for", "using", "as", "select"];

    [GeneratedRegex(@"\b(?:from|join|into|update)\s+(?<table>[a-z_][a-z0-9_]*)(?:\s+(?:as\s+)?(?<alias>[a-z_][a-z0-9_]*))?")]
    private static partial Regex TableReference();

    [GeneratedRegex(@"^insert into (?<table>[a-z_][a-z0-9_]*)\s*\((?<columns>[^)]*)\)")]
    private static partial Regex InsertColumns();

    [GeneratedRegex(@"\((?<columns>[a-z0-9_.,\s]+)\)\s*in\s*\(")]
    private static partial Regex TupleIn();

    [GeneratedRegex(@"(?<a>[a-z_][a-z0-9_]*)\.(?<ac>[a-z_][a-z0-9_]*)\s*=\s*(?<b>[a-z_][a-z0-9_]*)\.(?<bc>[a-z_][a-z0-9_]*)")]
    private static partial Regex ColumnEquality();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Spaces();

    [GeneratedRegex(@"'(?:[^'\\]|\\.)*'|@[a-z0-9_]+|(?<![\w.])-?\d+(?:\.\d+)?")]
    private static partial Regex Literals();

    [GeneratedRegex(@"\((?:\s*\?\s*,?)+\)|\((?:\s*\(\?(?:,\?)*\)\s*,?)+\)")]
    private static partial Regex Lists();
}
