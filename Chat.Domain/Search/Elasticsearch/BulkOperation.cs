namespace Chat.Domain.Search.Elasticsearch;

/// <summary>One write of a bulk request: <see cref="Index"/> or <see cref="Delete"/>.</summary>
public abstract record BulkOperation
{
    // Closed hierarchy: the bulk writer knows how to send exactly these two.
    private protected BulkOperation()
    {
    }

    /// <summary>The routing and first part of the id.</summary>
    public abstract string ChatKey { get; }

    /// <summary>
    /// Creates or overwrites the message, so a retried index is harmless. With a <see cref="Version"/>
    /// (external versioning) an older state never replaces a newer one, whatever order they arrive in.
    /// </summary>
    public sealed record Index(MessageDocument Document, long? Version = null) : BulkOperation
    {
        public override string ChatKey => Document.ChatKey;
    }

    /// <summary>With a <see cref="Version"/>, the deletion also keeps older states from coming back for a while (<c>index.gc_deletes</c>).</summary>
    public sealed record Delete(string ChatKey, int Number, long? Version = null) : BulkOperation
    {
        public override string ChatKey { get; } = ChatKey;
    }
}
