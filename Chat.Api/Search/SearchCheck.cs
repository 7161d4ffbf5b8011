using Chat.Domain.Search;
using Chat.Domain.Search.Elasticsearch;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Chat.Api.Search;

/// <summary>
/// Says which search provider is active. Elasticsearch not answering is Degraded, not Unhealthy: search
/// then fails with 503, but everything else works, so the replica stays in service.
/// </summary>
internal sealed class SearchCheck(IOptions<SearchOptions> search, IServiceProvider services) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        if (!search.Value.UsesElasticsearch) return HealthCheckResult.Healthy("database");
        return await services.GetRequiredService<MessageIndex>().IsReadyAsync(ct)
            ? HealthCheckResult.Healthy("elasticsearch")
            : HealthCheckResult.Degraded("elasticsearch: not ready (search answers 503 until it is)");
    }
}
