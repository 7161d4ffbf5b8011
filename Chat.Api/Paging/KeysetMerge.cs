namespace Chat.Api.Paging;

/// <summary>
/// One page of a list whose items live in two places: persisted rows in MySQL and accepted-but-not-yet-persisted
/// states in Redis. Each source is read with the same keyset bound and <c>limit + 1</c> rows; a pending state
/// replaces the row with its number, and a pending deletion hides it.
/// <para>
/// When a source returned <c>limit + 1</c> rows, it is only known down to (or up to) its last number, so the
/// page stops there: it may hold fewer than <c>limit</c> items while <c>next</c> still continues, but it never
/// skips or repeats one.
/// </para>
/// </summary>
public static class KeysetMerge
{
    /// <param name="KnownTo">When the source was cut short: the last number it returned (before any filtering).</param>
    public sealed record Source<T>(IReadOnlyList<(int Number, T Item, bool Deleted)> Items, int? KnownTo);

    /// <summary>The bound of a source read with <c>limit + 1</c> rows, from its unfiltered numbers.</summary>
    public static int? KnownTo(IReadOnlyList<int> fetchedNumbers, int limit) =>
        fetchedNumbers.Count > limit ? fetchedNumbers[^1] : null;

    /// <returns>The page's items in order, and the cursor for the next page (null on the last page).</returns>
    public static (IReadOnlyList<T> Items, int? Next) Merge<T>(Source<T> persisted, Source<T> pending, bool descending, int limit)
    {
        var merged = new SortedDictionary<int, (T Item, bool Deleted)>();
        foreach (var (number, item, deleted) in persisted.Items) merged[number] = (item, deleted);
        foreach (var (number, item, deleted) in pending.Items) merged[number] = (item, deleted);

        // The furthest number both sources are complete up to, if either was cut short.
        int? known = null;
        foreach (var last in new[] { persisted.KnownTo, pending.KnownTo }.OfType<int>())
            known = known is null ? last : descending ? Math.Max(known.Value, last) : Math.Min(known.Value, last);

        var ordered = descending ? merged.Reverse() : merged;
        var visible = ordered
            .Where(e => known is null || (descending ? e.Key >= known : e.Key <= known))
            .Where(e => !e.Value.Deleted)
            .ToList();
        var page = visible.Take(limit).ToList();
        // Continue after the page's last item; or, when everything known was shown, after the known bound.
        int? next = visible.Count > limit || (known is not null && page.Count == limit) ? page[^1].Key : known;
        return (page.Select(e => e.Value.Item).ToList(), next);
    }
}
