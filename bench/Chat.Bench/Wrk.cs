using System.Diagnostics;
using System.Text.Json;

namespace Chat.Bench;

/// <summary>One wrk run's summary, as printed by bench/wrk/bench.lua's done().</summary>
public sealed record WrkResult(long Requests, long DurationUs, double P50Us, double P90Us, double P99Us, double MaxUs, long StatusErrors,
    long SocketErrors)
{
    public double PerSecond => Requests / (DurationUs / 1e6);
}

/// <summary>Several runs of the same wrk load, and their medians.</summary>
public sealed record WrkSeries(IReadOnlyList<WrkResult> Runs, string Load)
{
    public double PerSecond => Stats.Median(Runs.Select(r => r.PerSecond));
    public double P50Us => Stats.Median(Runs.Select(r => r.P50Us));
    public double P99Us => Stats.Median(Runs.Select(r => r.P99Us));
    public long Errors => Runs.Sum(r => r.StatusErrors + r.SocketErrors);

    /// <summary>"1,234/s (1,200–1,250)": the median and the spread of the runs.</summary>
    public string Describe(string unit = "/s")
    {
        var text = Report.Rate(PerSecond, unit);
        if (Runs.Count > 1)
            text += $" ({Report.Rate(Runs.Min(r => r.PerSecond), "")}–{Report.Rate(Runs.Max(r => r.PerSecond), "")})";
        if (Errors > 0) text += $", {Errors:N0} errors";
        return text;
    }
}

public static class Wrk
{
    private static readonly string Script = Path.Combine(AppContext.BaseDirectory, "bench.lua");

    /// <summary>Runs wrk against <paramref name="url"/> with bench.lua and the given script arguments.</summary>
    public static async Task<WrkResult> RunAsync(string url, int connections, int seconds, params string[] scriptArgs)
    {
        var start = new ProcessStartInfo("wrk") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { "-t2", $"-c{connections}", $"-d{seconds}s", "--timeout", "10s", "-s", Script, url, "--" }.Concat(scriptArgs))
            start.ArgumentList.Add(arg);
        using var wrk = Process.Start(start) ?? throw new InvalidOperationException("wrk did not start");
        var output = await wrk.StandardOutput.ReadToEndAsync();
        var errors = await wrk.StandardError.ReadToEndAsync();
        await wrk.WaitForExitAsync();
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("WRK_RESULT ", StringComparison.Ordinal))
            ?? throw new InvalidOperationException($"wrk printed no result (exit {wrk.ExitCode}): {output}{errors}");
        return JsonSerializer.Deserialize<WrkResult>(line["WRK_RESULT ".Length..], JsonOptions)!;
    }

    public static async Task<WrkSeries> SeriesAsync(int runs, Func<Task<WrkResult>> run, Func<Task>? between = null)
    {
        var load = Report.LoadNow();
        var results = new List<WrkResult>();
        for (var i = 0; i < runs; i++)
        {
            results.Add(await run());
            if (between is not null) await between();
        }
        return new WrkSeries(results, load);
    }

    /// <summary>
    /// Load of <paramref name="seconds"/>-long runs until two in a row agree within 10 % (at least 18 s, at most 60 s).
    /// Freshly started processes compile their hot code again under load, and on 2 cores they reach their steady rate only
    /// after 20–40 s (360/s rising to 1,900/s, measured): a shorter warm-up measures the JIT.
    /// </summary>
    public static async Task WarmUpAsync(Func<int, Task<WrkResult>> run, Func<Task>? between = null)
    {
        for (var (elapsed, previous) = (0, 0.0); elapsed < MaxWarmUp; elapsed += WarmUpStep)
        {
            var rate = (await run(WarmUpStep)).PerSecond;
            if (between is not null) await between();
            if (elapsed + WarmUpStep >= MinWarmUp && Math.Abs(rate / previous - 1) < 0.1) return;
            previous = rate;
        }
    }

    private const int WarmUpStep = 3, MinWarmUp = 18, MaxWarmUp = 60;

    private static readonly JsonSerializerOptions JsonOptions = new() { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };
}
