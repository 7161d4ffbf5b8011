using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Chat.Bench;

/// <summary>What the numbers were measured on: hardware, OS, service versions and the load.</summary>
public static class Machine
{
    public static async Task<string> DescribeAsync(string startLoad)
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name"))?.Split(':', 2)[1].Trim() ?? "unknown CPU";
        var memory = long.Parse(File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024 / 1024;
        var os = File.ReadLines("/etc/os-release").FirstOrDefault(l => l.StartsWith("PRETTY_NAME="))?.Split('=', 2)[1].Trim('"') ?? "Linux";
        var text = new StringBuilder();
        text.AppendLine($"Machine: {cpu}, {Environment.ProcessorCount} cores, {memory} GiB RAM; {os}, kernel {Environment.OSVersion.Version}; " +
                        $"{await RunAsync("date", "-u", "+%Y-%m-%d %H:%M UTC")}.");
        text.AppendLine($"Software: .NET {Environment.Version}, {Line(await RunAsync("mariadbd", "--version"))}, " +
                        $"Redis {Word(await RunAsync("redis-server", "--version"), "v=")}, RabbitMQ {await RabbitVersionAsync()}, " +
                        $"{Line(await RunAsync("nginx", "-v"))}, {Line(await RunAsync("wrk", "-v"))}.");
        text.Append($"Load average at the start: {startLoad} (the machine is shared; see the load column).");
        return text.ToString();
    }

    private static async Task<string> RabbitVersionAsync()
    {
        var status = await RunAsync("rabbitmqctl", "-q", "version");
        return status.Length > 0 ? status : "unknown";
    }

    private static string Line(string text) => text.Split('\n').FirstOrDefault()?.Trim() ?? "";

    private static string Word(string text, string prefix) =>
        text.Split(' ').FirstOrDefault(w => w.StartsWith(prefix))?[prefix.Length..] ?? "?";

    public static async Task<string> RunAsync(string file, params string[] args)
    {
        try
        {
            var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var arg in args) start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            var output = await process.StandardOutput.ReadToEndAsync();
            var errors = await process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync();
            return (output.Length > 0 ? output : errors).Trim();
        }
        catch (Exception e)
        {
            return $"({file}: {e.Message})";
        }
    }
}

/// <summary>
/// CPU seconds per process group, from /proc: where the machine's time goes during one load. Groups are the
/// product's processes (by pid file), the bench server, and the shared services and tools by command name.
/// </summary>
public sealed class CpuSampler(Processes processes)
{
    private static readonly double TicksPerSecond = 100; // USER_HZ on Linux
    public static readonly string[] Groups = ["nginx", "api (3)", "worker", "bench server (3)", "mariadbd", "redis", "rabbitmq", "wrk", "bench driver"];

    public Dictionary<string, double> Snapshot()
    {
        var byPid = processes.Named();
        byPid[Environment.ProcessId] = "bench driver";
        var totals = Groups.ToDictionary(g => g, _ => 0.0);
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            string stat;
            try { stat = File.ReadAllText(Path.Combine(dir, "stat")); }
            catch (IOException) { continue; }
            catch (UnauthorizedAccessException) { continue; }
            var open = stat.IndexOf('(');
            var close = stat.LastIndexOf(')');
            var comm = stat[(open + 1)..close];
            var fields = stat[(close + 2)..].Split(' ');
            var seconds = (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
            var group = byPid.TryGetValue(pid, out var named) ? named : comm switch
            {
                "nginx" => "nginx",
                "mariadbd" => "mariadbd",
                "redis-server" => "redis",
                "beam.smp" => "rabbitmq",
                "wrk" => "wrk",
                _ => null,
            };
            if (group is not null) totals[group] += seconds;
        }
        return totals;
    }

    /// <summary>Machine-wide busy CPU seconds (all processes, other users' included).</summary>
    public static double MachineBusySeconds()
    {
        var cpu = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..].Select(double.Parse).ToArray();
        var idle = cpu[3] + cpu[4];
        return (cpu.Sum() - idle) / TicksPerSecond;
    }
}
