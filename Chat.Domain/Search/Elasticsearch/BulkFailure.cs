namespace Chat.Domain.Search.Elasticsearch;

/// <summary>An operation Elasticsearch rejected for good (mapping error, bad request): retrying cannot help.</summary>
public sealed record BulkFailure(BulkOperation Operation, int Status, string ErrorType, string Reason);
