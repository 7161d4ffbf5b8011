using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Chat.Domain.Webhooks;

/// <summary>The <c>Webhooks</c> section (docs/decisions/0016).</summary>
public sealed class WebhookOptions : IValidatableObject
{
    public const string Section = "Webhooks";

    /// <summary>Registered webhooks per application (API.md).</summary>
    public const int MaxPerApplication = 10;

    /// <summary>
    /// Lets a webhook target loopback, private and link-local addresses, and plain <c>http://</c>: development and tests
    /// only. Off, a URL must be https and every address its host resolves to (at registration and at each delivery)
    /// must be public.
    /// </summary>
    public bool AllowPrivateTargets { get; set; }

    /// <summary>The wait before the first retry; each further one doubles (the broker holds the delivery meanwhile).</summary>
    [Range(typeof(TimeSpan), "00:00:00.05", "01:00:00")]
    public TimeSpan FirstRetryDelay { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How long after its first attempt a delivery is retried; then it is recorded as failed (and replayable).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan RetryFor { get; set; } = TimeSpan.FromHours(24);

    /// <summary>A receiver that has not answered within this is retried (API.md: 5 s).</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:00:30")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Requests in flight to one webhook per worker: a slow receiver holds at most this many, never the others'.</summary>
    [Range(1, 64)]
    public int ConcurrencyPerWebhook { get; set; } = 4;

    /// <summary>Deliveries a worker handles at once, over all webhooks (the consumer's prefetch).</summary>
    [Range(1, 1000)]
    public int Concurrency { get; set; } = 32;

    public IEnumerable<ValidationResult> Validate(ValidationContext context)
    {
        if (RetryFor < FirstRetryDelay)
            yield return new ValidationResult("Webhooks:RetryFor must be at least Webhooks:FirstRetryDelay.", [nameof(RetryFor)]);
    }
}

public static class WebhookSetup
{
    public static IHostApplicationBuilder AddWebhookSettings(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<WebhookOptions>(WebhookOptions.Section);
        builder.Services.AddSingleton<WebhookQueues>();
        builder.Services.AddSingleton<WebhookStore>();
        return builder;
    }
}
