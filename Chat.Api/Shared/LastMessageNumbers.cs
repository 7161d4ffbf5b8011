using Chat.Contracts;
using Chat.Domain.Data;
using Chat.Domain.Pipeline;
using Microsoft.EntityFrameworkCore;

namespace Chat.Api.Shared;

/// <summary>
/// The highest message number of a chat (deleted messages included: their numbers stay taken), from the history
/// rather than the number counter, which also counts numbers handed out to requests that then failed.
/// </summary>
public sealed class LastMessageNumbers(PendingStore pending, ChatDirectory chats, IDbContextFactory<ChatDbContext> db)
{
    public async Task<int> OfAsync(KnownApplication app, KnownChat chat) =>
        (await OfAsync(app, [chat])).GetValueOrDefault(chat.State.Number);

    /// <returns>By chat number; one query to MySQL for all of them.</returns>
    public async Task<Dictionary<int, int>> OfAsync(KnownApplication app, IReadOnlyList<KnownChat> list)
    {
        // Pending first: a message leaves Redis only after its row is committed.
        var newest = await Task.WhenAll(list.Select(async c =>
        {
            var top = await pending.RangeAsync<MessageState>(Kinds.Message.PendingHash(Kinds.ChatScope(c.State)), 1, int.MaxValue, descending: true, 1);
            return (c.State.Number, Pending: top.Count > 0 ? top[0].State.Number : 0);
        }));
        // Chats that were still pending when they were looked up may have a row by now: one query for all of them.
        var unknown = list.Where(c => c.RowId is null).Select(c => c.State.Number).ToList();
        var found = unknown.Count == 0 ? [] : await chats.FindRowIdsAsync(app, unknown);
        var rowIds = new Dictionary<long, int>();
        foreach (var chat in list)
            if ((chat.RowId ?? (found.TryGetValue(chat.State.Number, out var id) ? id : null)) is { } rowId)
                rowIds[rowId] = chat.State.Number;

        var persisted = new Dictionary<int, int>();
        if (rowIds.Count > 0)
        {
            await using var context = await db.CreateDbContextAsync();
            var ids = rowIds.Keys.ToList();
            // The primary key (chat_id, number) answers each MAX with one index probe.
            var rows = await context.Messages.Where(m => ids.Contains(m.ChatId)).GroupBy(m => m.ChatId)
                .Select(g => new { ChatId = g.Key, Last = g.Max(m => m.Number) }).ToListAsync();
            foreach (var row in rows) persisted[rowIds[row.ChatId]] = row.Last;
        }
        return newest.ToDictionary(n => n.Number, n => Math.Max(n.Pending, persisted.GetValueOrDefault(n.Number)));
    }
}
