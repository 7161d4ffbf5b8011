namespace Chat.Domain.Search.Elasticsearch;

public sealed record SearchHit(int Number, string Body, DateTimeOffset CreatedAt);
