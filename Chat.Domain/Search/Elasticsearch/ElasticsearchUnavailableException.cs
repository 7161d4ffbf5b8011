namespace Chat.Domain.Search.Elasticsearch;

/// <summary>
/// Elasticsearch could not be reached or kept answering 408/429/5xx: the failure is transient, so the
/// caller should retry later (requeue) rather than dead-letter.
/// </summary>
public sealed class ElasticsearchUnavailableException : ElasticsearchException
{
    public ElasticsearchUnavailableException(string message, int? status = null, string? errorType = null, Exception? innerException = null)
        : base(message, status, errorType, innerException)
    {
    }
}
