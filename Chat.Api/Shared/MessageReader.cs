using System.Globalization;
using System.Text.Json;
using Chat.Contracts;
using Chat.Domain.Data;
using Chat.Domain.Messages;
using Chat.Domain.Pipeline;
using Microsoft.EntityFrameworkCore;

namespace Chat.Api.Shared;

/// <summary>
/// Reads a chat's messages as clients expect right after writing them: pending states from Redis merged over
/// persisted rows from MySQL (pending first; the worker removes it only after its commit).
/// </summary>
public sealed class MessageReader(PendingStore pending, MergedReader reader, ChatDirectory chats, IDbContextFactory<ChatDbContext> db)
{
    /// <summary>A live message, or null.</summary>
    public async Task<MessageState?> FindAsync(KnownApplication app, KnownChat chat, int number)
    {
        if (number < 1) return null;
        var accepted = await pending.GetAsync(Kinds.Message, Kinds.ChatScope(chat.State), number.ToString(CultureInfo.InvariantCulture));
        if (accepted is not null) return Kinds.Message.Hides(accepted) ? null : accepted;
        if (await chats.RowIdAsync(app, chat) is not { } rowId) return null;
        await using var context = await db.CreateDbContextAsync();
        var row = await context.Messages.SingleOrDefaultAsync(m => m.ChatId == rowId && m.Number == number && m.DeletedAt == null);
        return row is null ? null : StateOf(row, chat.State);
    }

    /// <summary>Narrows a page of history: created in [From, To] when those are given, replies to one message only.</summary>
    public readonly record struct Filter(DateTime? From = null, DateTime? To = null, int? ReplyTo = null)
    {
        public bool Shows(MessageState m) => (From is null || m.CreatedAt >= From) && (To is null || m.CreatedAt <= To) && (ReplyTo is null || m.ReplyTo == ReplyTo);
    }

    /// <summary>
    /// A page of history: live messages numbered in <paramref name="range"/> that pass <paramref name="filter"/>; with
    /// <paramref name="withDeleted"/>, deleted ones too, in their place.
    /// </summary>
    public Task<KeysetMerge.Page<int, MessageState>> PageAsync(KnownApplication app, KnownChat chat, NumberRange range, int limit,
        Filter filter, bool withDeleted = false) =>
        reader.PageAsync(Kinds.Message, Kinds.ChatScope(chat.State), range, limit, m => m.Number, async () =>
        {
            if (await chats.RowIdAsync(app, chat) is not { } rowId) return [];
            await using var context = await db.CreateDbContextAsync();
            var query = context.Messages.Where(m => m.ChatId == rowId && m.Number >= range.Low && m.Number <= range.High && (withDeleted || m.DeletedAt == null));
            if (filter.From is { } from) query = query.Where(m => m.CreatedAt >= from);
            if (filter.To is { } to) query = query.Where(m => m.CreatedAt <= to);
            if (filter.ReplyTo is { } replyTo) query = query.Where(m => m.ReplyTo == replyTo);
            query = range.Descending ? query.OrderByDescending(m => m.Number) : query.OrderBy(m => m.Number);
            return (await query.Take(limit + 1).ToListAsync()).Select(r => StateOf(r, chat.State)).ToList();
        }, shown: filter.Shows, withHidden: withDeleted);

    public static MessageState StateOf(MessageRow row, ChatState chat) => new(
        chat.ApplicationId, chat.Number, row.Number, row.Uid, row.Body, row.Sender, row.SentAt, row.CreatedAt, row.UpdatedAt, row.DeletedAt, row.ReplyTo,
        row.Metadata, row.Mentions is null ? null : JsonSerializer.Deserialize<List<string>>(row.Mentions));
}
