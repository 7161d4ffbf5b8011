using System.ComponentModel.DataAnnotations;
using Hangfire;
using Hangfire.Redis.StackExchange;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Chat.Domain.Counts;

/// <summary>The <c>Counts</c> section (<c>Counts__Cron</c> etc. in the environment).</summary>
public sealed class CountsOptions
{
    public const string Section = "Counts";

    /// <summary>
    /// When the recurring reconciliation runs (cron, UTC). Counts may lag by at most one hour, so it must fire
    /// well within the hour; the default is every 10 minutes.
    /// </summary>
    [Required]
    public string Cron { get; set; } = "*/10 * * * *";

    /// <summary>Ids per statement: bounds statement length and how long one UPDATE holds its row locks.</summary>
    [Range(1, 10_000)]
    public int ChunkSize { get; set; } = 1000;

    /// <summary>How long a run waits for the run in progress to finish before it skips (its marks wait).</summary>
    public TimeSpan LockWait { get; set; } = TimeSpan.FromMinutes(2);
}

public static class CountsSetup
{
    /// <summary>Hangfire's keys in Redis; the hash tag keeps them in one Cluster slot, as its scripts require.</summary>
    public const string HangfirePrefix = "{hangfire}:";

    /// <summary>
    /// Hangfire storage and client (enqueue only), the marks and the job. The API calls this; the worker gets it
    /// through <c>AddCountsServer</c>. Needs <see cref="DomainSetup.AddChatDomain"/> for Redis and MySQL.
    /// </summary>
    public static IHostApplicationBuilder AddCountsClient(this IHostApplicationBuilder builder)
    {
        if (builder.Services.Any(s => s.ServiceType == typeof(CountMarks))) return builder;

        builder.Services.AddSettings<CountsOptions>(CountsOptions.Section);
        builder.Services.AddSingleton<CountMarks>();
        builder.Services.AddSingleton<CountReconciler>();
        builder.Services.AddHangfire((services, hangfire) => hangfire
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings()
            .UseRedisStorage(services.GetRequiredService<IConnectionMultiplexer>(), new RedisStorageOptions
            {
                Prefix = HangfirePrefix,
                // The same logical database as everything else (tests use database 1).
                Db = ConfigurationOptions.Parse(services.GetRequiredService<IOptions<ConnectionStringsOptions>>().Value.Redis).DefaultDatabase ?? 0,
            }));
        return builder;
    }
}
