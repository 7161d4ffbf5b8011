using Chat.Api.Applications;
using Chat.Api.Chats;
using Chat.Api.Members;
using Chat.Api.Paging;
using Chat.Domain.Data;
using Chat.Domain.Messages;
using Chat.Domain.Messaging;
using Chat.Domain.Pending;
using Chat.Domain.Redis;
using Microsoft.EntityFrameworkCore;

namespace Chat.Api.Messages;

/// <summary>
/// Reads messages as clients expect right after writing them: pending states from Redis merged over persisted
/// rows from MySQL. Pending is always read first; the worker removes it only after its commit.
/// </summary>
public sealed class MessageHistory(PendingStore pending, IDbContextFactory<ChatDbContext> db)
{
    public sealed record Found(KnownApplication App, KnownChat Chat, MessageState Message);

    public async Task<Found?> FindAsync(ApplicationDirectory applications, ChatDirectory chats, string token, int chatNumber, int number)
    {
        if (number < 1 || await applications.FindAsync(token) is not { } app || await chats.FindAsync(app, chatNumber) is not { } chat)
            return null;
        var accepted = await pending.GetAsync<MessageState>(PendingScope.Messages(app.Id, chatNumber), number);
        if (accepted is not null) return accepted.Deleted ? null : new Found(app, chat, accepted.State);

        if (await RowIdAsync(chats, app, chat) is not { } rowId) return null;
        await using var context = await db.CreateDbContextAsync();
        var row = await context.Messages.SingleOrDefaultAsync(m => m.ChatId == rowId && m.Number == number && m.DeletedAt == null);
        return row is null ? null : new Found(app, chat, ToState(row, app.Id, chatNumber));
    }

    public static async Task<IResult> List(string token, int chat, int? limit, int? before, int? after, DateTime? from, DateTime? to,
        ApplicationDirectory applications, ChatDirectory chats, MessageHistory history, MemberDirectory members)
    {
        if (await applications.FindAsync(token) is not { } app || await chats.FindAsync(app, chat) is not { } known)
            return TypedResults.NotFound();
        if (!ListQuery.TryLimit(limit, out var take, out var problem)) return problem!;
        if (before is < 1) return ListQuery.BadQuery("before", "before must be a message number (1 or more).");
        if (after is < 0) return ListQuery.BadQuery("after", "after must be a message number (0 or more).");
        if (from > to) return ListQuery.BadQuery("from", "from must not be later than to.");

        // Without after: newest first, paging back in time. With after: oldest first, paging forward.
        var descending = after is null;
        var (low, high) = ((after ?? 0) + 1, (before ?? int.MaxValue) - (before is null ? 0 : 1));
        var (fromUtc, toUtc) = (from?.ToUniversalTime(), to?.ToUniversalTime());
        var (items, next) = await history.PageAsync(chats, app, known, low, high, descending, take, fromUtc, toUtc);
        var roster = await members.RosterAsync(app.Id, chat);
        items = items.Select(m => m with { Status = roster.StatusOf(m.Number, m.Sender) }).ToList();

        string? nextUrl = null;
        if (next is not null)
        {
            var query = new List<string> { $"limit={take}", descending ? $"before={next}" : $"after={next}" };
            if (!descending && before is not null) query.Add($"before={before}");
            if (from is not null) query.Add($"from={Uri.EscapeDataString(fromUtc!.Value.ToString("O"))}");
            if (to is not null) query.Add($"to={Uri.EscapeDataString(toUtc!.Value.ToString("O"))}");
            nextUrl = $"/applications/{token}/chats/{chat}/messages?{string.Join('&', query)}";
        }
        return TypedResults.Ok(new Page<MessageResponse>(items, nextUrl));
    }

    private async Task<(IReadOnlyList<MessageResponse>, int?)> PageAsync(ChatDirectory chats, KnownApplication app, KnownChat chat,
        int low, int high, bool descending, int take, DateTime? from, DateTime? to)
    {
        var accepted = await pending.RangeAsync<MessageState>(PendingScope.Messages(app.Id, chat.State.Number), low, high, descending, take + 1);
        var rows = new List<MessageRow>();
        if (await RowIdAsync(chats, app, chat) is { } rowId)
        {
            await using var context = await db.CreateDbContextAsync();
            var query = context.Messages.Where(m => m.ChatId == rowId && m.Number >= low && m.Number <= high && m.DeletedAt == null);
            if (from is not null) query = query.Where(m => m.CreatedAt >= from);
            if (to is not null) query = query.Where(m => m.CreatedAt <= to);
            query = descending ? query.OrderByDescending(m => m.Number) : query.OrderBy(m => m.Number);
            rows = await query.Take(take + 1).ToListAsync();
        }

        bool InRange(MessageState m) => (from is null || m.CreatedAt >= from) && (to is null || m.CreatedAt <= to);
        return KeysetMerge.Merge(
            new KeysetMerge.Source<MessageResponse>(
                rows.Select(r => (r.Number, ToState(r, app.Id, chat.State.Number).ToResponse(), false)).ToList(),
                KeysetMerge.KnownTo(rows.Select(r => r.Number).ToList(), take)),
            new KeysetMerge.Source<MessageResponse>(
                accepted.Where(p => InRange(p.State)).Select(p => (p.State.Number, p.State.ToResponse(), p.Deleted)).ToList(),
                KeysetMerge.KnownTo(accepted.Select(p => p.State.Number).ToList(), take)),
            descending, take);
    }

    /// <summary>A chat that was pending when looked up may have been persisted since: ask MySQL then.</summary>
    private static async Task<long?> RowIdAsync(ChatDirectory chats, KnownApplication app, KnownChat chat) =>
        chat.RowId ?? await chats.FindRowIdAsync(app, chat.State.Number);

    private static MessageState ToState(MessageRow row, long applicationId, int chatNumber) => new(
        applicationId, chatNumber, row.Number, row.Uid, row.Body, row.Sender, row.SentAt, row.CreatedAt, row.UpdatedAt, row.DeletedAt);
}
