namespace Chat.Domain.Search.Elasticsearch;

/// <summary>
/// One bulk round trip: operations to send again, permanent failures, and what made the retries necessary
/// (null when <see cref="Retry"/> is empty).
/// </summary>
internal sealed record BulkAttempt(
    IReadOnlyList<BulkOperation> Retry, IReadOnlyList<BulkFailure> Failures, ElasticsearchUnavailableException? Cause);
