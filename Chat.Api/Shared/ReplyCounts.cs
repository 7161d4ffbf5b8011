using Chat.Contracts;
using Chat.Domain.Data;
using Chat.Domain.Messages;
using Chat.Domain.Pipeline;
using MySqlConnector;

namespace Chat.Api.Shared;

/// <summary>
/// How many live replies messages of one chat have: one grouped count over the index (chat_id, reply_to, number) for a
/// whole page, corrected by the replies still pending (accepted, not persisted yet, or deleted and not persisted yet).
/// </summary>
public sealed class ReplyCounts(PendingStore pending)
{
    /// <summary>The pending replies to any of <paramref name="numbers"/>. Read before MySQL: a reply leaves Redis only after its row is committed.</summary>
    public async Task<List<MessageState>> PendingAsync(KnownChat chat, IReadOnlySet<int> numbers) =>
        (await pending.RangeAsync<MessageState>(Kinds.Message.PendingHash(Kinds.ChatScope(chat.State)), 1, int.MaxValue, false, -1))
            .Select(p => p.State).Where(m => m.ReplyTo is { } to && numbers.Contains(to)).ToList();

    /// <summary>By message number; numbers without replies are absent. Without a chat row, the pending replies are all there is.</summary>
    /// <param name="snapshot">Required when <paramref name="replies"/> is not empty: the count and the liveness of those
    /// replies must come from one snapshot (MessageBlocks.SnapshotAsync).</param>
    public static async Task<Dictionary<int, int>> CountAsync(MySqlConnection? connection, MySqlTransaction? snapshot, long? rowId,
        IReadOnlySet<int> numbers, List<MessageState> replies, CancellationToken ct)
    {
        var counts = new Dictionary<int, int>();
        if (numbers.Count == 0) return counts;
        if (rowId is null || connection is null)
        {
            foreach (var reply in replies.Where(r => r.DeletedAt is null)) Add(reply.ReplyTo!.Value, 1);
            return counts;
        }

        await using (var command = new MySqlCommand($"""
            SELECT reply_to, COUNT(*) FROM messages WHERE chat_id = {rowId} AND {Sql.NumbersIn("reply_to", numbers)} AND deleted_at IS NULL
            GROUP BY reply_to
            """, connection, snapshot))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct))
                if (numbers.Contains(reader.GetInt32(0))) Add(reader.GetInt32(0), (int)reader.GetInt64(1)); // a range may hold others
        if (replies.Count == 0) return counts;
        var stored = await MessageBlocks.LivenessAsync(snapshot!, replies.Select(r => (rowId.Value, r.Number)).ToList(), ct);
        foreach (var reply in replies)
        {
            bool? persisted = stored.TryGetValue((rowId.Value, reply.Number), out var live) ? live : null;
            if (reply.DeletedAt is null && persisted is null) Add(reply.ReplyTo!.Value, 1);
            else if (reply.DeletedAt is not null && persisted == true) Add(reply.ReplyTo!.Value, -1);
        }
        return counts;

        void Add(int number, int delta) => counts[number] = counts.GetValueOrDefault(number) + delta;
    }
}
