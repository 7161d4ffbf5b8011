using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Chat.Bench;

/// <summary>
/// What a user token costs creation, in this run (issue 17's target: under 5 % of throughput). bench/credential times
/// verifying a user token alone, in µs of one thread per request; this run's creation rows give the CPU one created
/// message costs all processes. On a host whose CPU is the limit their quotient is the share of throughput the
/// credential costs. The creation rows compare the two modes as well, but on 2 shared cores their spread is wider than
/// the difference they would have to show.
/// </summary>
public static partial class CredentialBench
{
    public static async Task RunAsync(Bench bench, double cpuMsPerMessage)
    {
        Bench.Step("Verifying a user token, timed alone (bench/credential) ...");
        var root = Path.GetDirectoryName(Path.GetFullPath(bench.Settings.RunDir))!;
        var start = new ProcessStartInfo("bash", [Path.Combine(root, "bench", "credential")])
        {
            RedirectStandardOutput = true,
            WorkingDirectory = root,
        };
        // Its own MySQL database, Redis database and keys, not this run's.
        foreach (var name in new[] { "ConnectionStrings__MySql", "ConnectionStrings__Redis", "ConnectionStrings__RabbitMq" })
            start.Environment.Remove(name);
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (Median().Match(output) is not { Success: true } found)
        {
            bench.Report.Note($"bench/credential gave no result (exit {process.ExitCode}): {output[^Math.Min(output.Length, 300)..]}");
            return;
        }
        var microseconds = double.Parse(found.Groups[1].Value, CultureInfo.InvariantCulture);
        var share = microseconds / (cpuMsPerMessage * 1000);
        bench.Report.Add(new Row("1", $"verifying a user token, timed alone (bench/credential, median {microseconds:0.0} µs per request) " +
                                      $"÷ this run's CPU per created message ({cpuMsPerMessage.ToString("0.00", CultureInfo.InvariantCulture)} ms): " +
                                      "the share of creation throughput the credential costs",
            share.ToString("P1", CultureInfo.InvariantCulture), Target: Report.Check(share < 0.05, "< 5 %"), Load: Report.LoadNow()));
    }

    [GeneratedRegex(@"USER_TOKEN_VERIFICATION median ([0-9.]+) µs")]
    private static partial Regex Median();
}
