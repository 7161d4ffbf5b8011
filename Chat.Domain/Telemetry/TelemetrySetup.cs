using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Chat.Domain.Telemetry;

/// <summary>The <c>Telemetry</c> section.</summary>
public sealed class TelemetryOptions
{
    public const string Section = "Telemetry";

    /// <summary>Off: no spans or metrics are recorded at all (the "telemetry off" side of the benchmark).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// Port of the Prometheus scrape endpoint (<c>http://PrometheusHost:port/metrics</c>), 0 for none. An internal port of each process:
    /// nginx does not route to it. Each process on one host needs its own.
    /// </summary>
    [Range(0, 65535)]
    public int PrometheusPort { get; set; }

    /// <summary>The address the scrape endpoint listens on: loopback unless a scraper elsewhere needs it (<c>*</c> in a container).</summary>
    public string PrometheusHost { get; set; } = "localhost";
}

public static class TelemetrySetup
{
    /// <summary>
    /// Traces and metrics of the project's own source and meters plus what <paramref name="instrument"/> adds (the API's
    /// HTTP server); exported by OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, scraped by Prometheus on
    /// <see cref="TelemetryOptions.PrometheusPort"/>.
    /// </summary>
    public static IHostApplicationBuilder AddChatTelemetry(this IHostApplicationBuilder builder,
        Action<TracerProviderBuilder>? traces = null, Action<MeterProviderBuilder>? metrics = null)
    {
        builder.Services.AddSettings<TelemetryOptions>(TelemetryOptions.Section);
        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        // Log lines carry TraceId and SpanId as a scope through the host's default ActivityTrackingOptions (LogsTests
        // guards it); the console formatter prints scopes because appsettings.json turns IncludeScopes on.
        if (!options.Enabled) return builder;

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
            .WithTracing(tracing =>
            {
                // The MySQL driver and the Elasticsearch transport have their own sources; Redis needs the instrumentation.
                tracing.AddSource(ChatTelemetry.Name, "MySqlConnector", "Elastic.Transport").AddRedisInstrumentation();
                traces?.Invoke(tracing);
            })
            .WithMetrics(meters =>
            {
                meters.AddMeter(ChatTelemetry.Name, "Chat.Cache");
                metrics?.Invoke(meters);
                if (options.PrometheusPort > 0)
                    meters.AddPrometheusHttpListener(p => (p.Host, p.Port) = (options.PrometheusHost, options.PrometheusPort));
            });
        if (!string.IsNullOrEmpty(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
            otel.UseOtlpExporter();
        return builder;
    }
}
