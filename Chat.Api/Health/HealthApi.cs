using Chat.Api.Shared;
using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Chat.Api.Health;

public static class HealthApi
{
    private static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(3);

    public static IHostApplicationBuilder AddHealth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddHealthChecks()
            .AddCheck<MySqlCheck>("mysql", tags: [HealthTags.Ready], timeout: CheckTimeout)
            .AddCheck<RedisCheck>("redis", tags: [HealthTags.Ready], timeout: CheckTimeout)
            .AddCheck<RabbitMqCheck>("rabbitmq", tags: [HealthTags.Ready], timeout: CheckTimeout);
        return builder;
    }

    public static void MapHealth(this IEndpointRouteBuilder app)
    {
        // Live: the process answers. Ready: every dependency answers too (nginx and compose wait on it).
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(HealthTags.Ready),
            ResponseWriter = WriteReport,
        });
    }

    /// <summary>The status for everyone (load balancers need no more); which dependency and why only with the admin key.</summary>
    private static Task WriteReport(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json";
        if (AdminKey.Refusal(http) is not null)
            return JsonSerializer.SerializeAsync(http.Response.Body, new { status = report.Status.ToString() });
        return JsonSerializer.SerializeAsync(http.Response.Body, new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description ?? e.Value.Exception?.Message,
            }),
        });
    }
}
