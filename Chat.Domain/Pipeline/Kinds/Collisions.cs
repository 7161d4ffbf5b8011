using Chat.Domain.Data;

namespace Chat.Domain.Pipeline;

/// <summary>What the upserts of numbered things (chats, messages) share.</summary>
internal static class Collisions
{
    /// <summary>Only a state at least as new as the stored one, over a row that is not deleted, changes it.</summary>
    public const string NewerAndLive = "deleted_at IS NULL AND VALUES(updated_at) >= updated_at";

    /// <summary>
    /// A number is fixed to the uid it was accepted with: a state carrying another uid under a stored (or, earlier in the
    /// batch, written) number is a numbering collision, never silently merged (docs/decisions/0004).
    /// </summary>
    public static async Task<IReadOnlyList<(Persisting Write, string Reason)>> FindAsync(Sql sql, string table, string parentColumn,
        IReadOnlyList<Persisting> writes, Func<Persisting, (long Parent, int Number)> keyOf, Func<Persisting, Guid> uidOf,
        Func<Persisting, string> reason, CancellationToken ct)
    {
        var owners = await sql.UidsAsync(table, parentColumn, writes.Select(keyOf).Distinct().ToList(), ct);
        return writes.Where(w => !owners.TryAdd(keyOf(w), uidOf(w)) && owners[keyOf(w)] != uidOf(w)).Select(w => (w, reason(w))).ToList();
    }
}
