using Microsoft.Extensions.Options;

namespace Chat.Api.Realtime;

/// <summary>Refreshes the presence of this replica's connections; if the replica dies, they expire by themselves.</summary>
public sealed partial class PresenceHeartbeat(PresenceTracker tracker, PresenceStore presence, IOptions<RealtimeOptions> options,
    ILogger<PresenceHeartbeat> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.PresenceHeartbeat);
        while (await NextTickAsync(timer, stoppingToken))
        {
            try
            {
                await Task.WhenAll(tracker.All().Select(c => presence.BeatAsync(c.App, c.User, c.ConnectionId)));
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // Redis away: the next beat tries again; meanwhile users may briefly show as offline.
                LogBeatFailed(e.Message);
            }
        }
    }

    /// <summary>False once stopping: a stopped heartbeat is a normal end, not a failure that would stop the host.</summary>
    private static async Task<bool> NextTickAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Presence heartbeat failed: {Reason}")]
    private partial void LogBeatFailed(string reason);
}
