using Chat.Domain.Telemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Chat.Api.Shared;

public static class ApiTelemetry
{
    /// <summary>The shared telemetry (Chat.Domain/Telemetry) plus the HTTP server's spans and request metrics.</summary>
    public static IHostApplicationBuilder AddApiTelemetry(this IHostApplicationBuilder builder) =>
        builder.AddChatTelemetry(
            traces: tracing => tracing.AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/health")),
            metrics: meters => meters.AddAspNetCoreInstrumentation());
}
