using System.Globalization;
using System.Text;

namespace Chat.Bench;

/// <summary>CPU seconds per process group summed over runs, and the requests they served.</summary>
public sealed class CpuTally
{
    private readonly Dictionary<string, double> _seconds = CpuSampler.Groups.ToDictionary(g => g, _ => 0.0);
    private double _machine;
    private double _wall;
    private long _requests;

    public (Dictionary<string, double> Groups, double Machine, DateTime At) Start(CpuSampler cpu) =>
        (cpu.Snapshot(), CpuSampler.MachineBusySeconds(), DateTime.UtcNow);

    public void Stop(CpuSampler cpu, (Dictionary<string, double> Groups, double Machine, DateTime At) before, long requests)
    {
        var after = cpu.Snapshot();
        foreach (var group in CpuSampler.Groups) _seconds[group] += after[group] - before.Groups[group];
        if (requests > 0) _productPerRequest.Add(Product.Sum(g => after[g] - before.Groups[g]) * 1000 / requests);
        _machine += CpuSampler.MachineBusySeconds() - before.Machine;
        _wall += (DateTime.UtcNow - before.At).TotalSeconds;
        _requests += requests;
    }

    /// <summary>CPU milliseconds per request, summed over the process groups (the table's "sum of the above").</summary>
    public double MillisecondsPerRequest => _requests == 0 ? double.NaN : _seconds.Values.Sum() * 1000 / _requests;

    /// <summary>The groups that are the product as deployed: not wrk, the bench server or the driver (and its webhook receiver).</summary>
    private static readonly string[] Product = ["nginx", "api (3)", "worker", "mariadbd", "redis", "rabbitmq"];

    private readonly List<double> _productPerRequest = [];

    /// <summary>CPU milliseconds per request of the product's own processes, one value per measured run.</summary>
    public IReadOnlyList<double> ProductMillisecondsPerRequest => _productPerRequest;

    /// <summary>Runs <paramref name="run"/> and adds the CPU it took and the requests it reports.</summary>
    public async Task<T> MeasureAsync<T>(CpuSampler cpu, Func<Task<T>> run, Func<T, long> requests)
    {
        var before = Start(cpu);
        var result = await run();
        Stop(cpu, before, requests(result));
        return result;
    }

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
