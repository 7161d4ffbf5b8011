namespace Chat.Domain.Search.Elasticsearch;

/// <summary>One write of a bulk request: <see cref="Index"/> or <see cref="Delete"/>.</summary>
public abstract record BulkOperation
{
    // Closed hierarchy: the client knows how to frame exactly these two.
    private protected BulkOperation()
    {
    }

    /// <summary>Creates or overwrites the message, so a retried index is harmless.</summary>
    public sealed record Index(MessageDocument Document) : BulkOperation;

    public sealed record Delete(string ChatKey, int Number) : BulkOperation;
}
