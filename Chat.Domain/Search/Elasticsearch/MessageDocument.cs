namespace Chat.Domain.Search.Elasticsearch;

/// <summary>A chat message as indexed for search; the id is <c>{ChatKey}:{Number}</c>, routed by <see cref="ChatKey"/>.</summary>
public sealed record MessageDocument(string ChatKey, string AppKey, int Number, string Body, DateTimeOffset CreatedAt);
