using System.Globalization;
using System.Text.RegularExpressions;

namespace Chat.Chaos;

/// <summary>
/// How message creations fared while each fault lasted: a window runs from one line of faults.log to the next. While
/// MariaDB is away, creating a message into a chat that already existed needs nothing from it (promise 2 of
/// docs/reliability.md): at least <see cref="MinimumAcceptedWithoutMySql"/> of those must be answered 201.
/// </summary>
public static class FaultWindows
{
    public const double MinimumAcceptedWithoutMySql = 0.99;

    public sealed record Fault(double T, string What);

    public static List<Fault> Read(string faultsLog) =>
        File.Exists(faultsLog)
            ? File.ReadLines(faultsLog).Select(line => Regex.Match(line, @"^\s*([0-9.]+) s\s+(.*)$")).Where(m => m.Success)
                .Select(m => new Fault(double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), m.Groups[2].Value)).ToList()
            : [];

    /// <summary>Adds a row per window and the MariaDB row; false when too few creations were accepted while MariaDB was away.</summary>
    public static bool Report(Table table, IReadOnlyList<Record> records, IReadOnlyList<Fault> faults)
    {
        var creations = records.Where(r => r.Op == "message").ToList();
        var windows = faults.TakeWhile(f => f.What != "load finished").ToList();
        table.Add("message creations per fault window", "", "from each line of faults.log to the next: 201 / 503 / other");
        for (var i = 0; i < windows.Count; i++)
        {
            var end = i + 1 < windows.Count ? windows[i + 1].T : double.MaxValue;
            var inside = creations.Where(r => r.T >= windows[i].T && r.T < end).ToList();
            table.Add($"  {windows[i].T,6:0.0} s {Shorten(windows[i].What)}", $"{inside.Count(r => r.Status == 201)} / {inside.Count(r => r.Status == 503)} / " +
                $"{inside.Count(r => r.Status is not (201 or 503))}", "");
        }

        var stopped = faults.FirstOrDefault(f => f.What.StartsWith("MariaDB stopped", StringComparison.Ordinal));
        var started = faults.FirstOrDefault(f => f.What.StartsWith("MariaDB started", StringComparison.Ordinal));
        if (stopped is null || started is null) return true;
        // Chats acknowledged before the outage began: their existence is a fact the API already knew.
        var known = records.Where(r => r.Op == "chat" && r.Ok && r.T < stopped.T).Select(r => (r.App, r.Chat)).ToHashSet();
        var during = creations.Where(r => r.T >= stopped.T && r.T < started.T && known.Contains((r.App, r.Chat))).ToList();
        var accepted = during.Count(r => r.Status == 201);
        var share = during.Count == 0 ? 1 : (double)accepted / during.Count;
        var ok = share >= MinimumAcceptedWithoutMySql;
        table.Add("creations into existing chats while MariaDB was away", $"{accepted} of {during.Count}",
            $"{share:P1} answered 201 (at least {MinimumAcceptedWithoutMySql:P0}); others: " +
            string.Join(" ", during.Where(r => r.Status != 201).GroupBy(r => r.Status).Select(g => $"{(g.Key == 0 ? "no answer" : g.Key)}×{g.Count()}")),
            ok ? "ok" : "FAIL");
        return ok;
    }

    private static string Shorten(string what) => what.Length <= 48 ? what : what[..47] + "…";
}
