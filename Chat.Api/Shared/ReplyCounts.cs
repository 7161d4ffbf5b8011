using Chat.Contracts;
using Chat.Domain.Messages;
using Chat.Domain.Pipeline;
using MySqlConnector;

namespace Chat.Api.Shared;

/// <summary>
/// How many live replies messages of one chat have: one grouped count over the index (chat_id, reply_to, number) for a
/// whole page, corrected by the replies still pending (accepted, not persisted yet, or deleted and not persisted yet).
/// </summary>
public sealed class ReplyCounts(PendingStore pending, ChatDirectory chats, MySqlDataSource database)
{
    public async Task<int> OfAsync(KnownApplication app, KnownChat chat, int number) =>
        (await OfAsync(app, chat, [number])).GetValueOrDefault(number);

    /// <returns>By message number; numbers without replies are absent.</returns>
    public async Task<Dictionary<int, int>> OfAsync(KnownApplication app, KnownChat chat, IReadOnlyCollection<int> numbers, CancellationToken ct = default)
    {
        var counts = new Dictionary<int, int>();
        if (numbers.Count == 0) return counts;
        var wanted = numbers.ToHashSet();
        // Pending first: a reply leaves Redis only after its row is committed.
        var replies = (await pending.RangeAsync<MessageState>(Kinds.Message.PendingHash(Kinds.ChatScope(chat.State)), 1, int.MaxValue, false, -1))
            .Select(p => p.State).Where(m => m.ReplyTo is { } to && wanted.Contains(to)).ToList();
        if (await chats.RowIdAsync(app, chat) is not { } rowId)
        {
            foreach (var reply in replies.Where(r => r.DeletedAt is null)) Add(reply.ReplyTo!.Value, 1);
            return counts;
        }

        // The counts and the liveness of the pending replies that correct them, from one snapshot (MessageBlocks.SnapshotAsync).
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var snapshot = await MessageBlocks.SnapshotAsync(connection, ct);
        await using (var command = new MySqlCommand($"""
            SELECT reply_to, COUNT(*) FROM messages WHERE chat_id = {rowId} AND reply_to IN ({string.Join(",", wanted)}) AND deleted_at IS NULL
            GROUP BY reply_to
            """, connection, snapshot))
        await using (var reader = await command.ExecuteReaderAsync(ct))
            while (await reader.ReadAsync(ct)) Add(reader.GetInt32(0), (int)reader.GetInt64(1));
        var stored = await MessageBlocks.LivenessAsync(snapshot, replies.Select(r => (rowId, r.Number)).ToList(), ct);
        foreach (var reply in replies)
        {
            bool? persisted = stored.TryGetValue((rowId, reply.Number), out var live) ? live : null;
            if (reply.DeletedAt is null && persisted is null) Add(reply.ReplyTo!.Value, 1);
            else if (reply.DeletedAt is not null && persisted == true) Add(reply.ReplyTo!.Value, -1);
        }
        return counts;

        void Add(int number, int delta) => counts[number] = counts.GetValueOrDefault(number) + delta;
    }
}
