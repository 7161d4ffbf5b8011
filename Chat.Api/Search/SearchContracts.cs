using Chat.Domain.Search;

namespace Chat.Api.Search;

/// <param name="Matches">
/// Where the query occurs in <paramref name="Body"/>, in UTF-16 code units (JavaScript string offsets): the first
/// <see cref="MatchOffsets.MaxPerHit"/> occurrences.
/// </param>
/// <param name="MatchesTruncated">True when the body holds more occurrences than <paramref name="Matches"/> lists.</param>
/// <param name="ReplyTo">As in every message representation; <c>mentions</c> and <c>metadata</c> too (metadata is never searched).</param>
public sealed record SearchHitResponse(
    int Number, string Body, string? Sender, DateTime CreatedAt, IReadOnlyList<MatchOffset> Matches, bool MatchesTruncated,
    int? ReplyTo, IReadOnlyList<string> Mentions, System.Text.Json.JsonElement? Metadata);
