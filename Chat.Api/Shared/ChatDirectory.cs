using System.Globalization;
using System.Linq.Expressions;
using System.Text.Json;
using Chat.Contracts;
using Chat.Domain.Chats;
using Chat.Domain.Data;
using Chat.Domain.Pipeline;
using Chat.Domain.Redis;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;

namespace Chat.Api.Shared;

/// <summary>
/// Finds a chat by (application, number): the pending state in Redis first, then the cached or persisted row.
/// Pending is read first on purpose: the worker removes it only after its commit, so when it is gone the
/// row is already in MySQL.
/// </summary>
public sealed class ChatDirectory(PendingStore pending, RedisCache cache, IDatabase redis, IDbContextFactory<ChatDbContext> db)
{
    // A cached row counts only while the chat's generation is unchanged (the worker raises it after each commit that
    // changed the chat), so it can be kept as long as memory allows; the expiry only bounds idle keys.
    private static readonly TimeSpan Ttl = TimeSpan.FromHours(1);

    /// <summary>How long a chat's last known state outlives its last use (docs/decisions/0003 and RELIABILITY row 2).</summary>
    private static readonly TimeSpan LastKnownFor = TimeSpan.FromDays(30);

    public async Task<KnownChat?> FindAsync(KnownApplication app, int number)
    {
        if (number < 1) return null;
        var accepted = await pending.GetAsync(Kinds.Chat, ChatKind.ScopeOf(app.Id), number.ToString(CultureInfo.InvariantCulture));
        if (accepted is not null)
            return Kinds.Chat.Hides(accepted) ? null : await WithPersistedPartAsync(app, accepted);
        return await FindPersistedAsync(app, number);
    }

    /// <summary>
    /// A pending state may describe a chat already persisted (an edit): keep its row id and counts. A chat only just
    /// created (never changed) has no row yet, so none is looked for: looking would cost every request into the new
    /// chat a MySQL query, and fail them all while MySQL is away. Callers that need the row of such a chat ask
    /// <see cref="FindRowIdAsync"/>.
    /// </summary>
    private async Task<KnownChat> WithPersistedPartAsync(KnownApplication app, ChatState state) =>
        state.UpdatedAt != state.CreatedAt && await FindPersistedAsync(app, state.Number) is { } persisted
            ? persisted with { State = state }
            : new KnownChat(state, null, 0);

    private async Task<KnownChat?> FindPersistedAsync(KnownApplication app, int number)
    {
        try
        {
            return await cache.GetOrLoadAsync("chat", RedisKeys.Chat(app.Id, number), RedisKeys.ChatGeneration(app.Id, number), Ttl, async () =>
            {
                await using var context = await db.CreateDbContextAsync();
                var row = await context.Chats
                    .Where(c => c.ApplicationId == app.Id && c.Number == number && c.DeletedAt == null)
                    .Select(Known)
                    .SingleOrDefaultAsync();
                if (row is not null) Remember(row);
                return row;
            });
        }
        catch (Exception e) when (Failures.DatabaseUnavailable(e))
        {
            // MySQL is away and the copy's generation moved on (or it was never loaded): the chat's last known state
            // answers whether it exists, so writes into it go on (a deleted one stays a 404).
            if (await LastKnownAsync(app.Id, number) is not { } known) throw;
            return known.State.DeletedAt is null ? known : null;
        }
    }

    /// <summary>
    /// Keeps a chat's last known state in Redis for as long as the chat is in use: that it exists, or that it was
    /// deleted, is then known while MySQL is away, whatever the cache's generation says. Called after every accepted
    /// change of a chat and every load of its row; not needed for correctness otherwise, so it is not awaited.
    /// </summary>
    public void Remember(KnownChat chat) =>
        redis.StringSet(RedisKeys.ChatLastKnown(chat.State.ApplicationId, chat.State.Number),
            JsonSerializer.Serialize(chat, CommandJson.Options), LastKnownFor, flags: CommandFlags.FireAndForget);

    private async Task<KnownChat?> LastKnownAsync(long applicationId, int number) =>
        await redis.StringGetAsync(RedisKeys.ChatLastKnown(applicationId, number)) is { HasValue: true } value
            ? JsonSerializer.Deserialize<KnownChat>((string)value!, CommandJson.Options)
            : null;

    /// <summary>A chat row as the API knows it, for every query that reads chats.</summary>
    public static readonly Expression<Func<ChatRow, KnownChat>> Known = c => new KnownChat(
        new ChatState(c.ApplicationId, c.Number, c.Uid, c.Name, c.CreatedAt, c.UpdatedAt, c.DeletedAt, c.DistinctKey, c.Metadata), c.Id, c.MessagesCount);

    /// <summary>The row id of a chat, straight from MySQL when it was still pending when it was looked up.</summary>
    public async Task<long?> RowIdAsync(KnownApplication app, KnownChat chat) =>
        chat.RowId ?? ((await FindRowIdsAsync(app, [chat.State.Number])).TryGetValue(chat.State.Number, out var id) ? id : null);

    /// <summary>Row ids by chat number, in one query; chats without a row are left out.</summary>
    public async Task<Dictionary<int, long>> FindRowIdsAsync(KnownApplication app, IReadOnlyCollection<int> numbers)
    {
        await using var context = await db.CreateDbContextAsync();
        return await context.Chats.Where(c => c.ApplicationId == app.Id && numbers.Contains(c.Number))
            .ToDictionaryAsync(c => c.Number, c => c.Id);
    }
}
