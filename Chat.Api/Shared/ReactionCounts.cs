using System.Globalization;
using Chat.Contracts;
using Chat.Domain.Data;
using Chat.Domain.Messages;
using Chat.Domain.Pipeline;
using MySqlConnector;

namespace Chat.Api.Shared;

/// <summary>
/// The reactions of a page of messages (docs/decisions/0017): persisted counts grouped in one statement over the primary
/// key (chat_id, number, …), the pending states of the page's numbers from one range read, and the persisted rows of the
/// keys those pending states (and the caller's own reactions) name in a second statement. Never one query per message.
/// </summary>
public sealed class ReactionCounts(PendingStore pending)
{
    /// <summary>A message's reaction counts, and the reactions of <c>user</c> when one was given.</summary>
    public sealed record Of(Dictionary<string, int> Counts, List<string>? Own);

    /// <summary>
    /// The pending reaction states of <paramref name="numbers"/>, one per (number, user, reaction). Read before MySQL: a state
    /// leaves Redis only after its row is committed.
    /// </summary>
    public async Task<Dictionary<string, ReactionState>> PendingAsync(KnownChat chat, IReadOnlySet<int> numbers) =>
        numbers.Count == 0 ? [] :
        (await pending.RangeAsync<ReactionState>(Kinds.Reaction.PendingHash(Kinds.ChatScope(chat.State)), numbers.Min(), numbers.Max(), false, -1))
            .Select(p => p.State).Where(r => numbers.Contains(r.Number))
            .GroupBy(Kinds.Reaction.FieldOf).Select(g => g.Aggregate(Kinds.Reaction.Combine)).ToDictionary(Kinds.Reaction.FieldOf);

    /// <summary>Whether <see cref="CountAsync"/> reads a second statement that must agree with the counts (one snapshot).</summary>
    public static bool NeedsSnapshot(Dictionary<string, ReactionState> accepted, string? user) => accepted.Count > 0 || user is not null;

    /// <param name="snapshot">Required when <see cref="NeedsSnapshot"/>.</param>
    public static async Task<Dictionary<int, Of>> CountAsync(MySqlConnection? connection, MySqlTransaction? snapshot, long? rowId,
        IReadOnlySet<int> numbers, Dictionary<string, ReactionState> accepted, string? user, CancellationToken ct)
    {
        var result = numbers.ToDictionary(n => n, _ => new Of([], user is null ? null : []));
        if (result.Count == 0) return result;

        var live = new Dictionary<string, ReactionState>();
        if (rowId is not null && connection is not null)
        {
            // A range may hold numbers not asked for (Sql.NumbersIn): only those asked for are kept.
            var asked = Sql.NumbersIn("number", result.Keys);
            await using (var counts = new MySqlCommand($"""
                SELECT number, reaction, COUNT(*) FROM message_reactions
                WHERE chat_id = {rowId} AND {asked} AND removed_at IS NULL GROUP BY number, reaction
                """, connection, snapshot))
            await using (var reader = await counts.ExecuteReaderAsync(ct))
                while (await reader.ReadAsync(ct))
                    if (result.TryGetValue(reader.GetInt32(0), out var of)) of.Counts[reader.GetString(1)] = (int)reader.GetInt64(2);

            // The persisted rows the pending states replace, and the caller's own: each (number, user, reaction) read once.
            await using var rows = new MySqlCommand { Connection = connection, Transaction = snapshot };
            var keys = new List<string>();
            foreach (var (state, i) in accepted.Values.Select((s, i) => (s, i)))
            {
                keys.Add(string.Create(CultureInfo.InvariantCulture, $"(number = {state.Number} AND user_id = @u{i} AND reaction = @r{i})"));
                rows.Parameters.AddWithValue($"@u{i}", state.UserId);
                rows.Parameters.AddWithValue($"@r{i}", state.Reaction);
            }
            if (user is not null)
            {
                keys.Add($"({asked} AND user_id = @own)");
                rows.Parameters.AddWithValue("@own", user);
            }
            if (keys.Count > 0)
            {
                rows.CommandText = $"SELECT number, user_id, reaction FROM message_reactions WHERE chat_id = {rowId} AND removed_at IS NULL AND ({string.Join(" OR ", keys)})";
                await using var reader = await rows.ExecuteReaderAsync(ct);
                while (await reader.ReadAsync(ct))
                {
                    var state = new ReactionState(reader.GetInt32(0), reader.GetString(1), reader.GetString(2), default, null);
                    live[Kinds.Reaction.FieldOf(state)] = state;
                }
            }
        }

        // A pending state stands for its key: it adds what MySQL does not count yet, and takes back a persisted one it removes.
        foreach (var (field, state) in accepted)
        {
            var counted = live.ContainsKey(field);
            var delta = Kinds.Reaction.Hides(state) ? (counted ? -1 : 0) : (counted ? 0 : 1);
            var counts = result[state.Number].Counts;
            counts[state.Reaction] = counts.GetValueOrDefault(state.Reaction) + delta;
            if (counts[state.Reaction] <= 0) counts.Remove(state.Reaction);
            if (Kinds.Reaction.Hides(state)) live.Remove(field);
            else live[field] = state;
        }
        if (user is not null)
            foreach (var state in live.Values.Where(s => s.UserId == user && result.ContainsKey(s.Number)).OrderBy(s => s.Reaction, StringComparer.Ordinal))
                result[state.Number].Own!.Add(state.Reaction);
        return result;
    }
}
