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
    private async Task StopAsync(string name)
    {
        if (Pid(name) is not { } pid) throw new InvalidOperationException($"{name} is not running");
        await Machine.RunAsync("kill", "-TERM", "--", $"-{pid}");
        for (var i = 0; i < 200 && Directory.Exists($"/proc/{pid}"); i++) await Task.Delay(100);
        if (Directory.Exists($"/proc/{pid}")) throw new InvalidOperationException($"{name} did not stop within 20 s");
    }

    /// <summary>Stops the worker (the drain measurement pre-fills its queue meanwhile); <see cref="StartWorkerAsync"/> starts it again.</summary>
    public async Task StopWorkerAsync()
    {
        _stopped = Restartable("worker");
        await StopAsync("worker");
    }

    public Task StartWorkerAsync() => StartAsync(_stopped ?? throw new InvalidOperationException("the worker was not stopped"), []);

    private Started? _stopped;

    /// <summary>
    /// Restarts a process of scripts/dev-up (<c>api1</c>, <c>worker</c>, …) with the command line and environment it has,
    /// plus <paramref name="environment"/>: own session, pid file, log appended to .run/logs/NAME.log.
    /// </summary>
    public async Task RestartAsync(string name, params (string Name, string Value)[] environment)
    {
        var started = Restartable(name);
        await StopAsync(name);
        await StartAsync(started, environment);
    }

    private sealed record Started(string Name, string Directory, string[] CommandLine, Dictionary<string, string> Environment);

    /// <summary>How a running process was started, from /proc: enough to start it again the same way.</summary>
    private Started Restartable(string name)
    {
        if (Pid(name) is not { } pid) throw new InvalidOperationException($"{name} is not running");
        static string[] Zeroed(string path) => File.ReadAllText(path).Split('\0', StringSplitOptions.RemoveEmptyEntries);
        var environment = Zeroed($"/proc/{pid}/environ").Select(e => e.Split('=', 2)).Where(kv => kv.Length == 2).ToDictionary(kv => kv[0], kv => kv[1]);
        return new Started(name, new DirectoryInfo($"/proc/{pid}/cwd").ResolveLinkTarget(false)!.FullName, Zeroed($"/proc/{pid}/cmdline"), environment);
    }

    private async Task StartAsync(Started process, (string Name, string Value)[] environment)
    {
        var pidFile = PidFile(process.Name);
        File.Delete(pidFile);
        var start = new ProcessStartInfo("bash");
        foreach (var arg in new[]
                 {
                     "-c", """setsid bash -c 'echo $$ >"$0"; cd "$1" && exec "${@:2}"' "$0" "${@:2}" >>"$1" 2>&1 </dev/null &""",
                     pidFile, Path.Combine(settings.RunDir, "logs", $"{process.Name}.log"), process.Directory,
                 }.Concat(process.CommandLine))
            start.ArgumentList.Add(arg);
        start.Environment.Clear();
        foreach (var (key, value) in process.Environment) start.Environment[key] = value;
        foreach (var (key, value) in environment) start.Environment[key] = value;
        using (var shell = Process.Start(start)!) await shell.WaitForExitAsync();
        for (var i = 0; i < 50 && Pid(process.Name) is null; i++) await Task.Delay(100);
        if (Pid(process.Name) is null) throw new InvalidOperationException($"{process.Name} did not start");
    }
}
