using Chat.Domain.Counts;
using Hangfire;
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

/// <summary>Registers (or updates) the recurring job at start, so a changed <c>Counts__Cron</c> takes effect on deploy.</summary>
internal sealed class CountsSchedule(IRecurringJobManager recurringJobs, IOptions<CountsOptions> options) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var cron = options.Value.Cron;
        try
        {
            recurringJobs.AddOrUpdate<CountReconciler>(CountReconciler.JobId, r => r.RunAsync(CancellationToken.None), cron,
                new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        }
        catch (ArgumentException e)
        {
            throw new InvalidOperationException($"Counts:Cron '{cron}' is not a valid cron expression: {e.Message}", e);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
