using Chat.Domain.Counts;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Options;

namespace Chat.Worker.Counts;

public static class CountsServerSetup
{
    /// <summary>The queue the reconciliation runs on; the API enqueues to the same default queue.</summary>
    private static readonly string[] Queues = ["default"];

    /// <summary>
    /// A Hangfire server (Redis storage) in this worker and the recurring reconciliation on <c>Counts__Cron</c>.
    /// Every replica runs a server; the job's own lock lets one run at a time. No dashboard is published.
    /// </summary>
    public static IHostApplicationBuilder AddCountsServer(this IHostApplicationBuilder builder)
    {
        builder.AddCountsClient();
        builder.Services.AddHangfireServer(server =>
        {
            // One job type, short runs: a couple of workers leave room for an on-demand run beside the scheduled one.
            server.WorkerCount = 2;
            server.Queues = Queues;
        });
        builder.Services.AddHostedService<CountsSchedule>();
        return builder;
    }
}

/// <summary>
/// Registers (or updates) the recurring job at start, so a changed <c>Counts__Cron</c> takes effect on deploy.
/// A bad cron stops the start; a busy registration lock (another replica registering at the same moment, or
/// Redis slow) is retried in the background rather than failing the worker.
/// </summary>
internal sealed partial class CountsSchedule(IRecurringJobManager recurringJobs, IOptions<CountsOptions> options, ILogger<CountsSchedule> log)
    : BackgroundService
{
    private bool _registered;

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            _registered = TryRegister(attempt: 1);
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"Counts:Cron '{options.Value.Cron}' is not a valid cron expression: {e.Message}", e);
        }
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 2; !_registered && !stoppingToken.IsCancellationRequested; attempt++)
        {
            await Task.Delay(TimeSpan.FromSeconds(Math.Min(30, 2 * attempt)), stoppingToken);
            _registered = TryRegister(attempt);
        }
    }

    private bool TryRegister(int attempt)
    {
        try
        {
            recurringJobs.AddOrUpdate<CountReconciler>(CountReconciler.JobId, r => r.RunAsync(CancellationToken.None), options.Value.Cron,
                new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
            return true;
        }
        catch (Exception e) when (e is DistributedLockTimeoutException or StackExchange.Redis.RedisException)
        {
            LogRetrying(attempt, e.Message);
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not register the count reconciliation yet (attempt {Attempt}): {Reason}")]
    private partial void LogRetrying(int attempt, string reason);
}
