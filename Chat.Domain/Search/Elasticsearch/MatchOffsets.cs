namespace Chat.Domain.Search.Elasticsearch;

/// <summary>
/// Where a search query occurs in a body. Elasticsearch cannot highlight <c>wildcard</c> fields, so the
/// offsets are computed here with the same folding the index uses (<see cref="string.ToLowerInvariant()"/>).
/// </summary>
public static class MatchOffsets
{
    /// <summary>
    /// Every case-insensitive occurrence, left to right and non-overlapping ("aa" in "aaaa" is 0 and 2),
    /// as a highlighter would mark them.
    /// </summary>
    public static IReadOnlyList<MatchOffset> Find(string body, string query)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentException.ThrowIfNullOrEmpty(query);

        // Invariant lower-casing maps each UTF-16 unit to one unit, so offsets in the folded text are
        // offsets in the original.
        var text = body.ToLowerInvariant();
        var needle = query.ToLowerInvariant();
        var matches = new List<MatchOffset>();
        for (var at = text.IndexOf(needle, StringComparison.Ordinal); at >= 0;
             at = text.IndexOf(needle, at + needle.Length, StringComparison.Ordinal))
        {
            matches.Add(new MatchOffset(at, needle.Length));
        }

        return matches;
    }
}
