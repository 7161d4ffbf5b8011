using Chat.Domain.Search.Elasticsearch;

namespace Chat.Api.Search;

/// <param name="Matches">Where the query occurs in <paramref name="Body"/>, in UTF-16 code units (JavaScript string offsets).</param>
public sealed record SearchHitResponse(int Number, string Body, string? Sender, DateTime CreatedAt, IReadOnlyList<MatchOffset> Matches);
