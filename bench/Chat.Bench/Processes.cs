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

    /// <summary>Stops a process of scripts/dev-up like scripts/dev-down does (SIGTERM to its process group) and waits until it is gone.</summary>
    public async Task StopAsync(string name)
    {
        if (Pid(name) is not { } pid) throw new InvalidOperationException($"{name} is not running");
        await Machine.RunAsync("kill", "-TERM", "--", $"-{pid}");
        for (var i = 0; i < 200 && Directory.Exists($"/proc/{pid}"); i++) await Task.Delay(100);
        if (Directory.Exists($"/proc/{pid}")) throw new InvalidOperationException($"{name} did not stop within 20 s");
    }

    public Task StopWorkerAsync() => StopAsync("worker");

    /// <summary>Starts the worker the way scripts/dev-up does: own session, pid file, log appended to .run/logs/worker.log.</summary>
    public Task StartWorkerAsync(params (string Name, string Value)[] environment) => StartAsync("worker", "worker", "Chat.Worker.dll", [], environment);

    /// <summary>Starts API replica <paramref name="replica"/> (1–3) on its scripts/dev-up port.</summary>
    public Task StartApiAsync(int replica, params (string Name, string Value)[] environment) =>
        StartAsync($"api{replica}", "api", "Chat.Api.dll", ["--urls", $"http://127.0.0.1:{5000 + replica}"], environment);

    /// <summary>
    /// Starts a published process as scripts/dev-up does (own session, pid file, log appended to .run/logs/NAME.log), with
    /// the environment of this driver (the keys bench/run exported) plus <paramref name="environment"/>.
    /// </summary>
    private async Task StartAsync(string name, string binary, string dll, string[] args, (string Name, string Value)[] environment)
    {
        var pidFile = PidFile(name);
        File.Delete(pidFile);
        var bin = Path.Combine(settings.RunDir, "bin", binary);
        var start = new ProcessStartInfo("bash");
        foreach (var arg in new[]
                 {
                     "-c", """setsid bash -c 'echo $$ >"$0"; cd "$1" && exec dotnet "$1/$2" "${@:3}"' "$0" "$1" "$2" "${@:4}" >>"$3" 2>&1 </dev/null &""",
                     pidFile, bin, dll, Path.Combine(settings.RunDir, "logs", $"{name}.log"),
                 }.Concat(args))
            start.ArgumentList.Add(arg);
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using (var shell = Process.Start(start)!) await shell.WaitForExitAsync();
        for (var i = 0; i < 50 && Pid(name) is null; i++) await Task.Delay(100);
        if (Pid(name) is null) throw new InvalidOperationException($"{name} did not start");
    }
}
