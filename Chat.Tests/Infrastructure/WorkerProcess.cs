using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Chat.Tests.Infrastructure;

/// <summary>
/// The worker as deployed: its own process, so <see cref="KillAsync"/> (SIGKILL) is a real crash that leaves nothing
/// behind but what it had acknowledged. It inherits the test run's environment (connection strings, keys), like
/// <see cref="WorkerHost"/> reads it.
/// </summary>
public sealed partial class WorkerProcess : IDisposable
{
    private readonly Process _process;
    private int _redelivered;

    private WorkerProcess(Process process) => _process = process;

    /// <summary>Commands that came back to this worker unacknowledged, as its batches log them.</summary>
    public int Redelivered => Volatile.Read(ref _redelivered);

    /// <param name="settings">
    /// Configuration keys for this worker only, as for <see cref="WorkerHost.StartAsync"/> (<c>Worker:BatchSize</c>);
    /// they reach it as environment variables (<c>Worker__BatchSize</c>).
    /// </param>
    public static WorkerProcess Start(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var testBin = Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory); // …/Chat.Tests/bin/{Configuration}/net10.0
        var configuration = new DirectoryInfo(testBin).Parent!.Name;
        var dll = Path.GetFullPath(Path.Combine(testBin, "../../../../Chat.Worker/bin", configuration, "net10.0/Chat.Worker.dll"));
        Assert.That(File.Exists(dll), Is.True, $"the worker is built at {dll}");
        var start = new ProcessStartInfo("dotnet", $"\"{dll}\"") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.Environment["Counts__Cron"] = "0 0 1 1 *"; // no count reconciliation in the middle of a test
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;

        var worker = new WorkerProcess(Process.Start(start)!);
        worker._process.OutputDataReceived += (_, line) =>
        {
            if (line.Data is not null && RedeliveredCount().Match(line.Data) is { Success: true } m)
                Interlocked.Add(ref worker._redelivered, int.Parse(m.Groups[1].Value));
        };
        worker._process.BeginOutputReadLine();
        worker._process.BeginErrorReadLine();
        return worker;
    }

    /// <summary>SIGKILL: no shutdown, no last acknowledgement.</summary>
    public async Task KillAsync()
    {
        _process.Kill();
        await _process.WaitForExitAsync();
    }

    public void Dispose()
    {
        if (!_process.HasExited) _process.Kill();
        _process.Dispose();
    }

    [GeneratedRegex(@"(\d+) redelivered")]
    private static partial Regex RedeliveredCount();
}
