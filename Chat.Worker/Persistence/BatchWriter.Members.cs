using Chat.Domain.Messaging;

namespace Chat.Worker.Persistence;

public sealed partial class BatchWriter
{
    /// <summary>
    /// Members of chats created in this batch and member changes (additions, removals, receipts), as one multi-row
    /// upsert. Receipts are frequent, so the batch is coalesced first: one row per member, with its newest membership
    /// and its greatest cursors. A change whose chat row does not exist yet waits, like a message.
    /// </summary>
    private static async Task WriteMembersAsync(Sql sql, IReadOnlyList<Command> commands, HashSet<long> live,
        Dictionary<(long App, int Number), (long Id, bool Deleted)> chatRows, BatchOutcome outcome, CancellationToken ct)
    {
        var rejected = outcome.Rejected.Select(r => r.Command.CommandId).ToHashSet();
        var changes = new List<(long App, int Chat, MemberState Member, MembersChanged? Command)>();
        foreach (var created in commands.OfType<ChatChanged>())
            if (created.Members is { } members && live.Contains(created.Chat.ApplicationId) && !rejected.Contains(created.CommandId))
                changes.AddRange(members.Select(m => (created.Chat.ApplicationId, created.Chat.Number, m, (MembersChanged?)null)));
        foreach (var changed in commands.OfType<MembersChanged>().Where(c => live.Contains(c.ApplicationId)))
            changes.AddRange(changed.Members.Select(m => (changed.ApplicationId, changed.ChatNumber, m, (MembersChanged?)changed)));
        if (changes.Count == 0) return;

        var waiting = new HashSet<Guid>();
        var writable = new List<(long ChatRow, long App, int Chat, MemberState Member)>();
        foreach (var (app, chat, member, command) in changes)
        {
            if (!chatRows.TryGetValue((app, chat), out var row))
            {
                if (command is not null && waiting.Add(command.CommandId)) outcome.Waiting.Add(command);
            }
            else if (row.Deleted)
                outcome.Members.Add((app, chat, member)); // settled with the deleted chat: only its pending copy goes
            else
                writable.Add((row.Id, app, chat, member));
        }

        var rows = writable.GroupBy(w => (w.ChatRow, w.Member.UserId))
            .Select(g => (g.Key.ChatRow, g.Select(w => w.Member).Aggregate((a, b) => a.CombinedWith(b)))).ToList();
        await sql.UpsertMembersAsync(rows, ct);
        outcome.Members.AddRange(writable.Select(w => (w.App, w.Chat, w.Member)));
    }
}
