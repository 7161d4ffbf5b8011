using Chat.Contracts;
using Chat.Domain.Messages;
using Chat.Domain.Pipeline;
using MySqlConnector;

namespace Chat.Api.Shared;

/// <summary>
/// Members' unread counts (docs/decisions/0017): the live messages numbered after the member's <c>read_up_to</c>. A
/// member's own messages are never among them, because sending moves the sender's cursors past the message in the
/// same command. Persisted messages are counted through <see cref="MessageBlocks"/> (a few rows, whatever the history's
/// length); pending ones (accepted, not persisted yet) correct that count by what they change.
/// </summary>
public sealed class UnreadCounts(PendingStore pending, ChatDirectory chats, MySqlDataSource database)
{
    /// <summary>A member's unread messages, and those among them that mention the member.</summary>
    public readonly record struct Unread(int Messages, int Mentions);

    /// <returns>One count per (chat, member), in the order given; three MySQL statements for all of them.</returns>
    public async Task<Unread[]> OfAsync(KnownApplication app, IReadOnlyList<(KnownChat Chat, MemberState Member)> members, CancellationToken ct = default)
    {
        if (members.Count == 0) return [];
        // Pending first: a message leaves Redis only after its row (and its block's count) is committed.
        var byChat = members.GroupBy(m => m.Chat.State.Number).ToDictionary(g => g.Key, g => g.First().Chat);
        var accepted = (await Task.WhenAll(byChat.Values.Select(async chat =>
        {
            var after = members.Where(m => m.Chat.State.Number == chat.State.Number).Min(m => m.Member.ReadUpTo);
            var states = await pending.RangeAsync<MessageState>(Kinds.Message.PendingHash(Kinds.ChatScope(chat.State)), after + 1, int.MaxValue,
                descending: false, limit: -1);
            return (chat.State.Number, States: states.Select(s => s.State).ToList());
        }))).ToDictionary(p => p.Number, p => p.States);

        var unknown = byChat.Values.Where(c => c.RowId is null).Select(c => c.State.Number).ToList();
        var found = unknown.Count == 0 ? [] : await chats.FindRowIdsAsync(app, unknown);
        var rowOf = byChat.Values.Select(c => (c.State.Number, Row: c.RowId ?? (found.TryGetValue(c.State.Number, out var id) ? id : (long?)null)))
            .Where(c => c.Row is not null).ToDictionary(c => c.Number, c => c.Row!.Value);

        var persistedCursors = members.Select((m, i) => (Index: i, m.Chat.State.Number, m.Member.ReadUpTo))
            .Where(m => rowOf.ContainsKey(m.Number)).ToList();
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var snapshot = await MessageBlocks.SnapshotAsync(connection, ct);
        var persisted = await MessageBlocks.LiveAfterAsync(snapshot,
            persistedCursors.Select(m => (rowOf[m.Number], m.ReadUpTo, members[m.Index].Member.UserId)).ToList(), ct);
        var liveness = await MessageBlocks.LivenessAsync(snapshot, accepted
            .Where(a => rowOf.ContainsKey(a.Key)).SelectMany(a => a.Value.Select(m => (rowOf[a.Key], m.Number))).ToList(), ct);

        var counts = new int[members.Count];
        var mentions = new int[members.Count];
        for (var i = 0; i < persistedCursors.Count; i++)
            (counts[persistedCursors[i].Index], mentions[persistedCursors[i].Index]) = ((int)persisted[i].Live, (int)persisted[i].Mentions);
        for (var i = 0; i < members.Count; i++)
        {
            var (chat, member) = members[i];
            var row = rowOf.TryGetValue(chat.State.Number, out var r) ? r : (long?)null;
            foreach (var message in accepted[chat.State.Number].Where(m => m.Number > member.ReadUpTo))
            {
                bool? stored = row is { } id && liveness.TryGetValue((id, message.Number), out var isLive) ? isLive : null;
                var live = message.DeletedAt is null;
                // A pending message counts when MySQL does not have it yet; a pending deletion uncounts a persisted live one.
                var delta = live && stored is null && message.Sender != member.UserId ? 1 : !live && stored == true ? -1 : 0;
                counts[i] += delta;
                if (message.Mentions?.Contains(member.UserId) == true) mentions[i] += delta;
            }
        }
        return counts.Select((c, i) => new Unread(c, mentions[i])).ToArray();
    }

    public async Task<Unread> OfAsync(KnownApplication app, KnownChat chat, MemberState member, CancellationToken ct = default) =>
        (await OfAsync(app, [(chat, member)], ct))[0];
}
