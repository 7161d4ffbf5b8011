using Chat.Domain;
using Chat.Domain.Counts;
using Chat.Domain.Pipeline;
using Chat.Worker.Feed;
using Chat.Domain.Resilience;
using Hangfire;
using Hangfire.Storage;
using Microsoft.Extensions.Options;

namespace Chat.Worker.Jobs;

public static class JobsSetup
{
    /// <summary>The queue the jobs run on; the API enqueues to the same default queue.</summary>
    private static readonly string[] Queues = ["default"];

    /// <summary>
    /// A Hangfire server (Redis storage) in this worker and the recurring jobs: the count reconciliation on
    /// <c>Counts__Cron</c> and the change feed's retention every hour. Every replica runs a server; each job's own lock
    /// lets one run at a time. No dashboard is published.
    /// </summary>
    public static IHostApplicationBuilder AddJobs(this IHostApplicationBuilder builder)
    {
        builder.AddCountsClient();
        builder.Services.AddSettings<FeedOptions>(FeedOptions.Section);
        builder.Services.AddSingleton<FeedRetention>();
        builder.Services.AddHangfireServer(server =>
        {
            // Few job types, short runs: a couple of workers leave room for an on-demand run beside the scheduled one.
            server.WorkerCount = 2;
            server.Queues = Queues;
        });
        builder.Services.AddHostedService<JobSchedule>();
        return builder;
    }
}

/// <summary>
/// Registers (or updates) the recurring jobs at start, so a changed <c>Counts__Cron</c> takes effect on deploy, and has
/// the feed's partitions made at once. A bad cron stops the start; a busy registration lock (another replica registering
/// at the same moment, or Redis slow) is retried in the background rather than failing the worker.
/// </summary>
internal sealed partial class JobSchedule(IRecurringJobManager recurringJobs, IBackgroundJobClient jobs, IOptions<CountsOptions> counts,
    ILogger<JobSchedule> log) : BackgroundService
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
            throw new InvalidOperationException($"Counts:Cron '{counts.Value.Cron}' is not a valid cron expression: {e.Message}", e);
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
        var utc = new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc };
        recurringJobs.AddOrUpdate<CountReconciler>(CountReconciler.JobId, r => r.RunAsync(CancellationToken.None), counts.Value.Cron, utc);
        recurringJobs.AddOrUpdate<FeedRetention>(FeedRetention.JobId, r => r.RunAsync(CancellationToken.None), Cron.Hourly(), utc);
        jobs.Enqueue<FeedRetention>(r => r.RunAsync(CancellationToken.None));
        return true;
    }

    private static bool IsTransient(Exception e) => e is DistributedLockTimeoutException or StackExchange.Redis.RedisException;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not register the recurring jobs yet (attempt {Attempt}): {Reason}")]
    private partial void LogRetrying(int attempt, string reason);
}
