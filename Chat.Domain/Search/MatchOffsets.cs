namespace Chat.Domain.Search;

/// <summary>
/// Where a search query occurs in a body. Elasticsearch cannot highlight <c>wildcard</c> fields, so the
/// offsets are computed here with the same folding the index uses (<see cref="string.ToLowerInvariant()"/>).
/// </summary>
public static class MatchOffsets
{
    /// <summary>
    /// Offsets listed per hit at most: a one-character query in a 10,000-character body would otherwise put
    /// 10,000 offsets into one hit, and 200 such hits into one page.
    /// </summary>
    public const int MaxPerHit = 20;

    /// <summary>
    /// The first <see cref="MaxPerHit"/> case-insensitive occurrences, left to right and non-overlapping ("aa" in
    /// "aaaa" is 0 and 2), as a highlighter would mark them; <see cref="Matches.More"/> says whether there were more.
    /// </summary>
    public static Matches Find(string body, string query)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentException.ThrowIfNullOrEmpty(query);

        // Invariant lower-casing maps each UTF-16 unit to one unit, so offsets in the folded text are
        // offsets in the original.
        var text = body.ToLowerInvariant();
        var needle = query.ToLowerInvariant();
        var offsets = new List<MatchOffset>();
        var at = text.IndexOf(needle, StringComparison.Ordinal);
        for (; at >= 0 && offsets.Count < MaxPerHit; at = text.IndexOf(needle, at + needle.Length, StringComparison.Ordinal))
            offsets.Add(new MatchOffset(at, needle.Length));
        return new Matches(offsets, More: at >= 0);
    }
}

/// <param name="Offsets">At most <see cref="MatchOffsets.MaxPerHit"/> occurrences.</param>
/// <param name="More">True when the body holds more occurrences than <paramref name="Offsets"/> lists.</param>
public sealed record Matches(IReadOnlyList<MatchOffset> Offsets, bool More)
{
    public bool Any => Offsets.Count > 0;
}
