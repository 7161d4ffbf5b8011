namespace Chat.Domain.Pipeline;

/// <summary>An inclusive range of numbers, read in one direction.</summary>
public readonly record struct NumberRange(int Low, int High, bool Descending);

/// <summary>
/// Reads what clients expect right after writing: pending states from Redis merged over persisted rows. Pending is
/// always read first: the worker releases a pending state only after its commit, so a state that leaves Redis
/// between the two reads is already in MySQL when it is read there.
/// </summary>
public sealed class MergedReader(PendingStore pending)
{
    /// <summary>
    /// One keyset page of a numbered view: the pending states with numbers in <paramref name="range"/> and the persisted
    /// ones <paramref name="loadPersisted"/> reads with the same bounds (at most <c>limit + 1</c>), merged by <paramref name="rules"/>.
    /// </summary>
    /// <param name="fromPending">Turns a pending field and state into a list item.</param>
    public async Task<KeysetMerge.Page<int, T>> PageAsync<TPending, T>(string pendingHash, NumberRange range, int limit,
        Func<string, TPending, T> fromPending, Func<Task<KeysetMerge.Source<int, T>>> loadPersisted, KeysetMerge.Rules<int, T> rules)
    {
        var fetched = await pending.RangeAsync<TPending>(pendingHash, range.Low, range.High, range.Descending, limit + 1);
        var accepted = KeysetMerge.Source<int, T>.Read(fetched.Select(p => fromPending(p.Field, p.State)).ToList(), limit, rules.KeyOf);
        return KeysetMerge.Merge(await loadPersisted(), accepted, rules, range.Descending, limit);
    }

    /// <summary>A page of a kind's own states in one scope, keyed by number; <paramref name="shown"/> narrows what is visible.</summary>
    /// <param name="withHidden">Hidden states (deleted messages) are listed too, in their place: tombstones.</param>
    public Task<KeysetMerge.Page<int, T>> PageAsync<T>(WriteKind<T> kind, Scope scope, NumberRange range, int limit, Func<T, int> numberOf,
        Func<Task<IReadOnlyList<T>>> loadPersisted, Func<T, bool>? shown = null, bool withHidden = false) where T : class =>
        PageAsync<T, T>(kind.PendingHash(scope), range, limit, (_, state) => state,
            async () => KeysetMerge.Source<int, T>.Read(await loadPersisted(), limit, numberOf),
            Rules(kind, numberOf, shown, withHidden: withHidden));

    /// <summary>The rules of a kind's list: its combine rule; hidden states (deleted, left), unless <paramref name="withHidden"/>, and those not
    /// <paramref name="shown"/> are not visible.</summary>
    public static KeysetMerge.Rules<TKey, T> Rules<T, TKey>(WriteKind<T> kind, Func<T, TKey> keyOf, Func<T, bool>? shown = null,
        IComparer<TKey>? order = null, bool withHidden = false) where T : class =>
        new(keyOf, kind.Combine, s => (withHidden || !kind.Hides(s)) && (shown?.Invoke(s) ?? true), order ?? Comparer<TKey>.Default);

    /// <summary>
    /// Every state of small sets (the members of chats), hidden ones included, each combined per field by the kind's
    /// rule: the pending ones read first, then the persisted ones of all the scopes at once.
    /// </summary>
    public async Task<Dictionary<Scope, Dictionary<string, T>>> AllAsync<T>(WriteKind<T> kind, IReadOnlyCollection<Scope> scopes,
        Func<IReadOnlyCollection<Scope>, Task<IReadOnlyDictionary<Scope, IReadOnlyList<T>>>> loadPersisted) where T : class
    {
        var accepted = await Task.WhenAll(scopes.Select(async s => (Scope: s, States: await pending.AllAsync<T>(kind.PendingHash(s)))));
        var persisted = await loadPersisted(scopes);
        return accepted.ToDictionary(a => a.Scope, a =>
        {
            var states = new Dictionary<string, T>(StringComparer.Ordinal);
            foreach (var state in (persisted.TryGetValue(a.Scope, out var rows) ? rows : []).Concat(a.States))
                states[kind.FieldOf(state)] = states.TryGetValue(kind.FieldOf(state), out var known) ? kind.Combine(known, state) : state;
            return states;
        });
    }
}
