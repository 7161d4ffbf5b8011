using Chat.Domain.Counts;
using Chat.Domain.Resilience;
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
            Register();
            _registered = true;
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"Counts:Cron '{options.Value.Cron}' is not a valid cron expression: {e.Message}", e);
        }
        catch (Exception e) when (IsTransient(e))
        {
            LogRetrying(1, e.Message); // Redis away at start: registered by ExecuteAsync once it answers
        }
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_registered) return;
        await Retries.Forever(IsTransient, TimeSpan.FromSeconds(4), TimeSpan.FromSeconds(30), (attempt, _, e) => LogRetrying(attempt + 1, e.Message))
            .ExecuteAsync(_ => ValueTask.FromResult(Register()), stoppingToken);
    }

    private bool Register()
    {
        recurringJobs.AddOrUpdate<CountReconciler>(CountReconciler.JobId, r => r.RunAsync(CancellationToken.None), options.Value.Cron,
            new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        return true;
    }

    private static bool IsTransient(Exception e) => e is DistributedLockTimeoutException or StackExchange.Redis.RedisException;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not register the count reconciliation yet (attempt {Attempt}): {Reason}")]
    private partial void LogRetrying(int attempt, string reason);
}
