namespace Chat.Domain.Search.Elasticsearch;

/// <summary>Outcome of a bulk write once transient failures were retried away; the caller dead-letters <see cref="Failures"/>.</summary>
public sealed record BulkResult(IReadOnlyList<BulkFailure> Failures)
{
    public bool Succeeded => Failures.Count == 0;
}
