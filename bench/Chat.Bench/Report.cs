using System.Globalization;
using System.Text;

namespace Chat.Bench;

/// <summary>One line of the result table. <see cref="Load"/> is the 1-minute load average when it started.</summary>
public sealed record Row(string Id, string Measurement, string Result, string P50 = "", string P99 = "", string Target = "", string Load = "");

/// <summary>Collects the rows, prints each as it is measured, and renders the final Markdown table.</summary>
public sealed class Report(Settings settings)
{
    private readonly List<Row> _rows = [];
    private readonly List<string> _notes = [];
    private readonly List<(string Title, string Table)> _extra = [];

    public void Add(Row row)
    {
        _rows.Add(row);
        Console.WriteLine($"  [{row.Id}] {row.Measurement}: {row.Result} {row.P50} {row.P99} {row.Target} (load {row.Load})");
    }

    /// <summary>A row of one wrk measurement series: its description, median and p99 latency, and the load it ran under.</summary>
    public void Add(string id, string measurement, WrkSeries series) =>
        Add(new Row(id, measurement, series.Describe(), Ms(series.P50Us), Ms(series.P99Us), Load: series.Load));

    /// <summary>
    /// Two loads run round by round, each round's pair minutes apart at most, so a burst of background load moves both
    /// sides of a pair: the median of the rounds' ratios <paramref name="side"/> ÷ <paramref name="other"/>, against at least
    /// <paramref name="target"/> when there is one.
    /// </summary>
    public double AddPaired(string id, string what, IReadOnlyList<WrkResult> side, IReadOnlyList<WrkResult> other, double? target, string targetText, string load)
    {
        var ratios = side.Zip(other, (a, b) => a.PerSecond / b.PerSecond).ToList();
        var ratio = Stats.Median(ratios);
        Add(new Row(id, $"{what} (median of the rounds' ratios{CreationBench.Spread(ratios)})", Ratio(ratio),
            Target: target is null ? "" : Check(ratio >= target, targetText), Load: load));
        return ratio;
    }

    /// <summary>
    /// What a feature costs, from the CPU of the product's processes per request with it (<paramref name="with"/>) and
    /// without, round by round: without ÷ with is the throughput a host whose CPU is the limit keeps. Steadier than a
    /// throughput ratio on a shared machine, because the work a request causes hardly depends on how fast it ran.
    /// </summary>
    public void AddCpuCost(string id, string what, CpuTally with, CpuTally without, double target, string targetText, string load)
    {
        var (on, off) = (with.ProductMillisecondsPerRequest, without.ProductMillisecondsPerRequest);
        var ratios = off.Zip(on, (a, b) => a / b).ToList();
        var ratio = Stats.Median(ratios);
        Add(new Row(id, $"{what}: the product's CPU per message {Cpu(Stats.Median(off))} without, {Cpu(Stats.Median(on))} with (medians); " +
                        $"without ÷ with (median of the rounds' ratios{CreationBench.Spread(ratios)})", Ratio(ratio),
            Target: Check(ratio >= target, targetText), Load: load));
    }

    public void Note(string note)
    {
        _notes.Add(note);
        Console.WriteLine($"  note: {note}");
    }

    public void Extra(string title, string markdownTable) => _extra.Add((title, markdownTable));

    public string Render(string machine)
    {
        var text = new StringBuilder();
        text.AppendLine(machine);
        text.AppendLine();
        var runs = settings.Quick ? "1 run each (BENCH_QUICK=1: smaller data, shorter runs; not for comparison)" : $"median of {settings.Runs} runs";
        text.AppendLine($"Results ({runs}; p50/p99 are medians of each run's percentiles; load = 1-minute load average at the start):");
        text.AppendLine();
        text.AppendLine("| # | measurement | result | p50 | p99 | target | load |");
        text.AppendLine("|---|---|---|---|---|---|---|");
        foreach (var r in _rows)
            text.AppendLine($"| {r.Id} | {r.Measurement} | {r.Result} | {r.P50} | {r.P99} | {r.Target} | {r.Load} |");
        foreach (var (title, table) in _extra)
        {
            text.AppendLine();
            text.AppendLine(title);
            text.AppendLine();
            text.Append(table);
        }
        if (_notes.Count > 0)
        {
            text.AppendLine();
            foreach (var note in _notes) text.AppendLine($"- {note}");
        }
        return text.ToString();
    }

    public static string Rate(double perSecond, string unit = "/s") => $"{perSecond.ToString("N0", CultureInfo.InvariantCulture)}{unit}";

    public static string Ms(double microseconds) => microseconds switch
    {
        double.NaN => "n/a",
        < 10_000 => $"{(microseconds / 1000).ToString("0.0", CultureInfo.InvariantCulture)} ms",
        _ => $"{(microseconds / 1000).ToString("N0", CultureInfo.InvariantCulture)} ms",
    };

    public static string Cpu(double milliseconds) => $"{milliseconds.ToString("0.000", CultureInfo.InvariantCulture)} ms";

    public static string Ratio(double value) => value.ToString("0.00", CultureInfo.InvariantCulture);

    public static string Check(bool met, string target) => $"{target} {(met ? "✅" : "❌ missed")}";

    public static string LoadNow() => File.ReadAllText("/proc/loadavg").Split(' ')[0];
}
