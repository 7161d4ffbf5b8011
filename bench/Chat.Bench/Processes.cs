using System.Diagnostics;

namespace Chat.Bench;

/// <summary>
/// The processes scripts/dev-up and bench/run started, found by their pid files: the worker can be stopped and
/// started again (the drain measurement), and memory is read from /proc.
/// </summary>
public sealed class Processes(Settings settings)
{
    private string PidFile(string name) => Path.Combine(settings.RunDir, "pids", $"{name}.pid");

    public int? Pid(string name)
    {
        try
        {
            var pid = int.Parse(File.ReadAllText(PidFile(name)).Trim());
            return Directory.Exists($"/proc/{pid}") ? pid : null;
        }
        catch (Exception e) when (e is IOException or FormatException)
        {
            return null;
        }
    }

    /// <summary>Pid → CPU group, for <see cref="CpuSampler"/>.</summary>
    public Dictionary<int, string> Named()
    {
        var named = new Dictionary<int, string>();
        foreach (var (name, group) in new[]
                 {
                     ("api1", "api (3)"), ("api2", "api (3)"), ("api3", "api (3)"), ("worker", "worker"),
                     ("bench-server1", "bench server (3)"), ("bench-server2", "bench server (3)"), ("bench-server3", "bench server (3)"),
                 })
            if (Pid(name) is { } pid) named[pid] = group;
        return named;
    }

    /// <summary>Resident and peak resident memory of a named process, in MiB.</summary>
    public (double Rss, double Peak)? Memory(string name)
    {
        if (Pid(name) is not { } pid) return null;
        double Field(string key) => double.Parse(File.ReadLines($"/proc/{pid}/status").First(l => l.StartsWith(key))
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024;
        return (Field("VmRSS:"), Field("VmHWM:"));
    }

    /// <summary>RSS of one API replica and the worker at points of the run, for the memory table.</summary>
    public List<(string When, double? Api, double? Worker)> Samples { get; } = [];

    public void Sample(string when) => Samples.Add((when, Memory("api1")?.Rss, Memory("worker")?.Rss));

    /// <summary>Stops the worker like scripts/dev-down does (SIGTERM to its process group) and waits until it is gone.</summary>
    public async Task StopWorkerAsync()
    {
        if (Pid("worker") is not { } pid) throw new InvalidOperationException("the worker is not running");
        await Machine.RunAsync("kill", "-TERM", "--", $"-{pid}");
        for (var i = 0; i < 200 && Directory.Exists($"/proc/{pid}"); i++) await Task.Delay(100);
        if (Directory.Exists($"/proc/{pid}")) throw new InvalidOperationException("the worker did not stop within 20 s");
    }

    /// <summary>Starts the worker the way scripts/dev-up does: own session, pid file, log appended to .run/logs/worker.log.</summary>
    public async Task StartWorkerAsync()
    {
        var pidFile = PidFile("worker");
        File.Delete(pidFile);
        var bin = Path.Combine(settings.RunDir, "bin", "worker");
        var start = new ProcessStartInfo("bash");
        foreach (var arg in new[]
                 {
                     "-c", """setsid bash -c 'echo $$ >"$0"; cd "$1" && exec dotnet "$1/Chat.Worker.dll"' "$0" "$1" >>"$2" 2>&1 </dev/null &""",
                     pidFile, bin, Path.Combine(settings.RunDir, "logs", "worker.log"),
                 })
            start.ArgumentList.Add(arg);
        using (var shell = Process.Start(start)!) await shell.WaitForExitAsync();
        for (var i = 0; i < 50 && Pid("worker") is null; i++) await Task.Delay(100);
        if (Pid("worker") is null) throw new InvalidOperationException("the worker did not start");
    }
}
