namespace Chat.Domain.Pipeline;

/// <summary>
/// One page of a list whose items live in two places: persisted rows in MySQL and accepted-but-not-yet-persisted
/// states in Redis (docs/decisions/0004). Each source is read with the same keyset bound and <c>limit + 1</c> items;
/// two states of the same key combine by their kind's rule (a pending state is newer; a member's cursors only grow),
/// and what is not visible (deleted, left, not matching) hides the row it replaces.
/// <para>
/// When a source returned <c>limit + 1</c> items it is only known down to (or up to) the last key it returned, so the
/// page stops there: it may hold fewer than <c>limit</c> items while <c>next</c> still continues, but it never skips or
/// repeats one.
/// </para>
/// </summary>
public static class KeysetMerge
{
    /// <summary>The last key a source returned when it was cut short (it had more).</summary>
    public readonly record struct Cut<TKey>(TKey LastKey);

    /// <param name="Items">In key order, as the source returned them (before any visibility rule).</param>
    public sealed record Source<TKey, TState>(IReadOnlyList<TState> Items, Cut<TKey>? CutAt)
    {
        /// <summary>A source read with <c>limit + 1</c> items: cut short when it returned them all.</summary>
        public static Source<TKey, TState> Read(IReadOnlyList<TState> fetched, int limit, Func<TState, TKey> keyOf) =>
            new(fetched, fetched.Count > limit ? new Cut<TKey>(keyOf(fetched[^1])) : null);
    }

    /// <summary>How the items of one list are keyed, combined and shown.</summary>
    public sealed record Rules<TKey, TState>(Func<TState, TKey> KeyOf, Func<TState, TState, TState> Combine, Func<TState, bool> Visible,
        IComparer<TKey> Order);

    /// <param name="Next">The key to continue after, or null on the last page.</param>
    public sealed record Page<TKey, TState>(IReadOnlyList<TState> Items, Cut<TKey>? Next);

    public static Page<TKey, TState> Merge<TKey, TState>(Source<TKey, TState> persisted, Source<TKey, TState> pending,
        Rules<TKey, TState> rules, bool descending, int limit) where TKey : notnull
    {
        var merged = new SortedDictionary<TKey, TState>(rules.Order);
        foreach (var item in persisted.Items.Concat(pending.Items))
        {
            var key = rules.KeyOf(item);
            merged[key] = merged.TryGetValue(key, out var earlier) ? rules.Combine(earlier, item) : item;
        }

        // The furthest key both sources are complete up to, if either was cut short.
        Cut<TKey>? known = null;
        foreach (var cut in new[] { persisted.CutAt, pending.CutAt }.OfType<Cut<TKey>>())
            known = known is not { } k || Before(cut.LastKey, k.LastKey) ? cut : known;

        var visible = (descending ? merged.Reverse() : merged)
            .Where(e => known is not { } k || !Before(k.LastKey, e.Key))
            .Where(e => rules.Visible(e.Value))
            .ToList();
        var page = visible.Take(limit).ToList();
        // Continue after the page's last item; or, when everything known was shown, after the known bound.
        var next = visible.Count > limit || (known is not null && page.Count == limit) ? new Cut<TKey>(page[^1].Key) : known;
        return new Page<TKey, TState>(page.Select(e => e.Value).ToList(), next);

        // Whether a comes before b in the page's direction.
        bool Before(TKey a, TKey b) => descending ? rules.Order.Compare(a, b) > 0 : rules.Order.Compare(a, b) < 0;
    }
}
