using System.Globalization;
using System.Text.Json;
using Chat.Contracts;
using Chat.Domain.Data;
using Chat.Domain.Messages;
using Chat.Domain.Pipeline;
using Microsoft.EntityFrameworkCore;
using MySqlConnector;

namespace Chat.Api.Shared;

/// <summary>
/// Reads a chat's messages as clients expect right after writing them: pending states from Redis merged over
/// persisted rows from MySQL (pending first; the worker removes it only after its commit).
/// </summary>
public sealed class MessageReader(PendingStore pending, MergedReader reader, ChatDirectory chats, IDbContextFactory<ChatDbContext> db,
    MySqlDataSource database)
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
            return await PersistedPageAsync(rowId, chat.State, range, limit + 1, filter, withDeleted);
        }, shown: filter.Shows, withHidden: withDeleted);

    /// <summary>
    /// The hottest read of the API, in plain MySqlConnector rather than EF: one range scan of the primary key (chat_id,
    /// number) in the chat's partition, read straight into states. The numbers are written in (integers, and the chat's
    /// row id is the sharding key, docs/vitess); only the times are parameters.
    /// </summary>
    private async Task<List<MessageState>> PersistedPageAsync(long rowId, ChatState chat, NumberRange range, int take, Filter filter, bool withDeleted)
    {
        var conditions = new List<string> { $"chat_id = {rowId}", $"number BETWEEN {range.Low} AND {range.High}" };
        if (!withDeleted) conditions.Add("deleted_at IS NULL");
        if (filter.From is not null) conditions.Add("created_at >= @from");
        if (filter.To is not null) conditions.Add("created_at <= @to");
        if (filter.ReplyTo is { } replyTo) conditions.Add($"reply_to = {replyTo}");
        await using var connection = await database.OpenConnectionAsync();
        await using var command = new MySqlCommand(string.Create(CultureInfo.InvariantCulture, $"""
            SELECT number, uid, body, sender, sent_at, created_at, updated_at, deleted_at, reply_to, metadata, mentions FROM messages
            WHERE {string.Join(" AND ", conditions)} ORDER BY number {(range.Descending ? "DESC" : "ASC")} LIMIT {take}
            """), connection);
        command.Parameters.AddWithValue("@from", filter.From);
        command.Parameters.AddWithValue("@to", filter.To);
        var page = new List<MessageState>(take);
        await using var rows = await command.ExecuteReaderAsync();
        while (await rows.ReadAsync())
            page.Add(StateOf(new MessageRow
            {
                ChatId = rowId, Number = rows.GetInt32(0), Uid = rows.GetGuid(1), Body = rows.GetString(2),
                Sender = rows.IsDBNull(3) ? null : rows.GetString(3), SentAt = UtcOrNull(rows, 4), CreatedAt = Utc(rows.GetDateTime(5)),
                UpdatedAt = Utc(rows.GetDateTime(6)), DeletedAt = UtcOrNull(rows, 7), ReplyTo = rows.IsDBNull(8) ? null : rows.GetInt32(8),
                Metadata = rows.IsDBNull(9) ? null : rows.GetString(9), Mentions = rows.IsDBNull(10) ? null : rows.GetString(10),
            }, chat));
        return page;

        static DateTime Utc(DateTime stored) => DateTime.SpecifyKind(stored, DateTimeKind.Utc);
        static DateTime? UtcOrNull(MySqlDataReader rows, int i) => rows.IsDBNull(i) ? null : Utc(rows.GetDateTime(i));
    }

    public static MessageState StateOf(MessageRow row, ChatState chat) => new(
        chat.ApplicationId, chat.Number, row.Number, row.Uid, row.Body, row.Sender, row.SentAt, row.CreatedAt, row.UpdatedAt, row.DeletedAt, row.ReplyTo,
        row.Metadata, row.Mentions is null ? null : JsonSerializer.Deserialize<List<string>>(row.Mentions));
}
