using Chat.Api.Shared;
using Chat.Domain.Counts;
using Hangfire;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Chat.Api.Admin;

/// <summary>Operator endpoints that start background jobs now instead of on their schedule.</summary>
public static class JobsApi
{
    public static void MapAdminJobs(this IEndpointRouteBuilder app)
    {
        var jobs = app.MapGroup("/admin/jobs").WithTags("Admin").RequireAdminKey();
        jobs.MapPost("/reconcile-counts", ReconcileCounts).WithName("ReconcileCounts")
            .WithSummary("Recount chats_count and messages_count of what changed since the last run, now (admin key)");
    }

    /// <summary>202: a worker runs it shortly; a run already in progress finishes first.</summary>
    private static Accepted<JobEnqueued> ReconcileCounts(IBackgroundJobClient jobs)
    {
        var job = jobs.Enqueue<CountReconciler>(r => r.RunAsync(CancellationToken.None));
        return TypedResults.Accepted((string?)null, new JobEnqueued(job, "enqueued"));
    }
}

/// <summary>Hangfire's id of the enqueued run, for the worker's logs; not a resource clients can fetch.</summary>
public sealed record JobEnqueued(string Job, string Status);
