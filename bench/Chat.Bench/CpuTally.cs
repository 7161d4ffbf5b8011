using System.Globalization;
using System.Text;

namespace Chat.Bench;

/// <summary>CPU seconds per process group summed over runs, and the requests they served.</summary>
public sealed class CpuTally
{
    /// <summary>The groups that are the product as deployed: not wrk, the driver or the bench server (and its webhook receiver).</summary>
    private static readonly string[] Product = ["nginx", "api (3)", "worker", "mariadbd", "redis", "rabbitmq"];

    private readonly Dictionary<string, double> _seconds = CpuSampler.Groups.ToDictionary(g => g, _ => 0.0);
    private readonly List<double> _productPerRequest = [];
    private double _machine;
    private double _wall;
    private long _requests;

    /// <summary>CPU milliseconds per request, summed over the process groups (the table's "sum of the above").</summary>
    public double MillisecondsPerRequest => _requests == 0 ? double.NaN : _seconds.Values.Sum() * 1000 / _requests;

    /// <summary>CPU milliseconds per request of the product's own processes, one value per measured run.</summary>
    public IReadOnlyList<double> ProductMillisecondsPerRequest => _productPerRequest;

    /// <summary>Runs <paramref name="run"/> and adds the CPU it took and the requests it reports.</summary>
    public async Task<T> MeasureAsync<T>(CpuSampler cpu, Func<Task<T>> run, Func<T, long> requests)
    {
        var (before, machine, at) = (cpu.Snapshot(), CpuSampler.MachineBusySeconds(), DateTime.UtcNow);
        var result = await run();
        var (after, served) = (cpu.Snapshot(), requests(result));
        foreach (var group in CpuSampler.Groups) _seconds[group] += after[group] - before[group];
        if (served > 0) _productPerRequest.Add(Product.Sum(g => after[g] - before[g]) * 1000 / served);
        _machine += CpuSampler.MachineBusySeconds() - machine;
        _wall += (DateTime.UtcNow - at).TotalSeconds;
        _requests += served;
        return result;
    }

    /// <summary>One wrk run, counted by the requests it made.</summary>
    public Task<WrkResult> MeasureAsync(CpuSampler cpu, Func<Task<WrkResult>> run) => MeasureAsync(cpu, run, r => r.Requests);

    public static string Table(params (string Name, CpuTally Tally)[] columns)
    {
        var text = new StringBuilder();
        text.AppendLine($"| process | {string.Join(" | ", columns.Select(c => c.Name))} |");
        text.AppendLine($"|---|{string.Concat(columns.Select(_ => "---|"))}");
        string Ms(CpuTally t, double seconds) => t._requests == 0 ? "n/a" : (seconds * 1000 / t._requests).ToString("0.000", CultureInfo.InvariantCulture);
        foreach (var group in CpuSampler.Groups)
            text.AppendLine($"| {group} | {string.Join(" | ", columns.Select(c => Ms(c.Tally, c.Tally._seconds[group])))} |");
        text.AppendLine($"| **sum of the above** | {string.Join(" | ", columns.Select(c => Ms(c.Tally, c.Tally._seconds.Values.Sum())))} |");
        text.AppendLine($"| whole machine (other users too) | {string.Join(" | ", columns.Select(c => Ms(c.Tally, c.Tally._machine)))} |");
        text.AppendLine($"| machine busy (of {Environment.ProcessorCount} cores) | {string.Join(" | ", columns.Select(c =>
            (c.Tally._machine / c.Tally._wall / Environment.ProcessorCount).ToString("P0", CultureInfo.InvariantCulture)))} |");
        return text.ToString();
    }
}
