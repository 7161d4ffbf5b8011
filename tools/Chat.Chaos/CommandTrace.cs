using System.Text.RegularExpressions;
using Chat.Contracts;

namespace Chat.Chaos;

/// <summary>
/// Follows a lost message's commands through the logs that scripts/chaos turns on at Debug: the API's
/// "Accepted {id} of application {app}: {outbox lines}" after each broker confirm, and the workers' "Finished commands
/// {ids}" for the commands each batch wrote. It tells a command the worker never wrote (lost between the confirm
/// and the worker) from one it wrote (lost in or after the write).
/// </summary>
public sealed partial class CommandTrace(string outDir)
{
    private readonly string[] _apiLines = Directory.GetFiles(outDir, "api*.log").SelectMany(File.ReadLines).ToArray();
    private readonly HashSet<string> _finished = Directory.GetFiles(outDir, "worker*.log").SelectMany(File.ReadLines)
        .Select(line => FinishedLine().Match(line)).Where(m => m.Success)
        .SelectMany(m => m.Groups[1].Value.Split(',')).ToHashSet();

    public string Describe(long appId, int chat, int number)
    {
        var accepted = AcceptedOf(appId, line => line.Kind == 'm' && line.ChatNumber == chat && line.Field == $"{number}").ToList();
        if (accepted.Count == 0) return "no Accepted line in the API logs (Debug logging off?)";
        return string.Join("; ", accepted.Select(a =>
            $"{a.CommandId} v{a.Line.Version}: {(_finished.Contains(a.CommandId) ? "written by the worker" : "never written by the worker")}"));
    }

    /// <summary>
    /// For a state the outbox sweeper re-published: whether the command the API got confirmed for that very version
    /// was ever written by the worker. If not, the command was lost after its confirm and the sweeper made it good.
    /// </summary>
    public string DescribeRepublished(long appId, OutboxLine republished)
    {
        var ids = AcceptedOf(appId, line => line == republished).Select(a => a.CommandId).ToList();
        if (ids.Count == 0) return "not confirmed: its API replica died before publishing it";
        return ids.Any(_finished.Contains) ? "slow: its command was written too" : "lost after the broker's confirm: its command never reached the worker";
    }

    /// <summary>The API's Accepted lines of one application, with each outbox line they name that matches.</summary>
    private IEnumerable<(string CommandId, OutboxLine Line)> AcceptedOf(long appId, Func<OutboxLine, bool> matches) =>
        _apiLines.Select(line => AcceptedLine().Match(line))
            .Where(m => m.Success && m.Groups[2].Value == $"{appId}")
            .SelectMany(m => m.Groups[3].Value.Split(' ').Select(OutboxLine.Parse).OfType<OutboxLine>().Where(matches)
                .Select(line => (m.Groups[1].Value, line)));

    [GeneratedRegex(@"Accepted ([0-9a-f-]{36}) of application (\d+): (.*)$")]
    private static partial Regex AcceptedLine();

    [GeneratedRegex(@"Finished commands ([0-9a-f,-]+)")]
    private static partial Regex FinishedLine();
}
