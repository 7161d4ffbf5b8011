using System.Text.Json;
using System.Text.Json.Serialization;
using Chat.Api.Shared.Identity;
using Chat.Contracts;
using Chat.Domain.Pipeline;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Chat.Api.Shared;

/// <summary>One change of the feed as clients read it; <see cref="Data"/> is the thing as its own GET returns it (null when deleted).</summary>
public sealed record FeedItem(long Seq, string Type, DateTime At, int Chat,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Number,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? User,
    object? Data);

/// <summary>
/// Reads an application's change feed (docs/decisions/0015): pending entries from Redis merged over the persisted rows,
/// in position order, never past a position that is not readable yet.
/// </summary>
public sealed class FeedReader(PendingStore pending, MySqlDataSource database, Rosters rosters, UnreadCounts unread, MessageDetails details,
    ChatDirectory chats, IOptions<FeedOptions> options, TimeProvider clock)
{
    private static readonly KeysetMerge.Rules<long, FeedEvent> Order =
        new(e => e.Seq, Kinds.FeedEvent.Combine, _ => true, Comparer<long>.Default);

    /// <summary>What a page read found.</summary>
    /// <param name="Last">The last position the page covers (its entries, voids and skipped gaps): where the next page starts.</param>
    /// <param name="OldestKept">When positions after <c>after</c> were dropped by retention: the oldest one still kept.</param>
    public sealed record Read(IReadOnlyList<FeedEvent> Events, long Last, long Epoch, long? OldestKept);

    /// <summary>
    /// Up to <paramref name="limit"/> entries after position <paramref name="after"/>. The page stops before a missing
    /// position (accepted but not readable yet) or a void, unless the entry after the gap, or the void, is older than
    /// <see cref="FeedOptions.GapTimeout"/>: positions go missing only when Redis lost data, and a reader must not wait
    /// for ever on one never handed out.
    /// </summary>
    public async Task<Read> PageAsync(long applicationId, long after, int limit, CancellationToken ct)
    {
        // Pending first: the worker releases an entry only after its row is committed.
        var accepted = await PendingAsync(applicationId, after, limit);
        var (rows, droppedUpTo, epoch) = await PersistedAsync(applicationId, after, limit, ct);
        if (after < droppedUpTo) return new Read([], after, epoch, droppedUpTo + 1);

        var page = KeysetMerge.Merge(KeysetMerge.Source<long, FeedEvent>.Read(rows, limit, e => e.Seq),
            KeysetMerge.Source<long, FeedEvent>.Read(accepted, limit, e => e.Seq), Order, descending: false, limit);
        var events = new List<FeedEvent>();
        var last = after;
        var settled = clock.GetUtcNow().UtcDateTime - options.Value.GapTimeout;
        foreach (var e in page.Items)
        {
            // A void is waited for as a missing position is: the broker may have taken the change it did not confirm,
            // and its real entry then replaces the void (docs/decisions/0015).
            if ((e.Seq != last + 1 || Kinds.FeedEvent.Hides(e)) && e.At > settled) break;
            last = e.Seq;
            if (!Kinds.FeedEvent.Hides(e)) events.Add(e);
        }
        return new Read(events, last, epoch, null);
    }

    /// <summary>Every entry of one message, oldest first: its versions.</summary>
    public async Task<IReadOnlyList<FeedEvent>> OfMessageAsync(long applicationId, int chatNumber, int number, CancellationToken ct)
    {
        // Pending first, as for a page; the worker keeps few entries pending, so all of them are looked at.
        var accepted = (await PendingAsync(applicationId, after: 0, int.MaxValue - 1))
            .Where(e => e.ChatNumber == chatNumber && e.Number == number && e.Type.StartsWith("message.", StringComparison.Ordinal));
        var rows = await QueryAsync("""
            SELECT seq, at, type, chat_number, number, user_id, state, updated_at FROM feed
            WHERE application_id = @app AND chat_number = @chat AND number = @number AND type LIKE 'message.%' ORDER BY seq
            """, [new("@app", applicationId), new("@chat", chatNumber), new("@number", number)], applicationId, ct);
        return rows.Concat(accepted).GroupBy(e => e.Seq).Select(g => g.Aggregate(Kinds.FeedEvent.Combine))
            .Where(e => !Kinds.FeedEvent.Hides(e)).OrderBy(e => e.Seq).ToList();
    }

    /// <summary>
    /// The entries as <paramref name="caller"/> reads them: each thing's data as its own GET returns it now. A user sees
    /// the entries of the chats it may read now, and the changes of its own membership.
    /// </summary>
    public async Task<IReadOnlyList<FeedItem>> RenderAsync(KnownApplication app, IReadOnlyList<FeedEvent> events, Caller caller)
    {
        var inChats = events.Select(e => e.ChatNumber).Distinct().ToList();
        var rostersOf = await rosters.OfAsync(app.Id, inChats);
        events = events.Where(e => Access.MayRead(caller, rostersOf[e.ChatNumber]) || (caller.IsUser && e.User == caller.UserId
            && e.Type.StartsWith("member.", StringComparison.Ordinal))).ToList();
        var known = (await Task.WhenAll(inChats.Select(async n => (Number: n, Chat: await chats.FindAsync(app, n)))))
            .Where(c => c.Chat is not null).ToDictionary(c => c.Number, c => c.Chat!);
        // Each member entry shows the member's unread count as it stands now, like its own GET.
        var memberEntries = events.Where(e => e.State is not null && (e.Type.StartsWith("member.", StringComparison.Ordinal)
                                              || e.Type.StartsWith("receipt.", StringComparison.Ordinal)) && known.ContainsKey(e.ChatNumber)).ToList();
        var unreadCounts = await unread.OfAsync(app, memberEntries.Select(e => (known[e.ChatNumber], Deserialize<MemberState>(e.State!.Value))).ToList());
        var unreadOf = memberEntries.Select((e, i) => (e.Seq, Count: unreadCounts[i])).ToDictionary(x => x.Seq, x => x.Count);
        var detailsOf = (await Task.WhenAll(events.Where(e => e.Number is not null && known.ContainsKey(e.ChatNumber)).GroupBy(e => e.ChatNumber)
                .Select(async g => (Chat: g.Key, Details: await details.OfAsync(app, known[g.Key], g.Select(e => e.Number!.Value).Distinct().ToList(), caller)))))
            .ToDictionary(r => r.Chat, r => r.Details);
        return events.Select(e => new FeedItem(e.Seq, e.Type, e.At, e.ChatNumber, e.Number, e.User, DataOf(e))).ToList();

        object? DataOf(FeedEvent e)
        {
            if (e.State is not { } state || e.Type.EndsWith(".deleted", StringComparison.Ordinal)) return null;
            var roster = rostersOf[e.ChatNumber];
            return e.Type.Split('.')[0] switch
            {
                "message" => Deserialize<MessageState>(state) is var m
                    ? m.ToResponse(roster.StatusOf(m.Number, m.Sender),
                        detailsOf.GetValueOrDefault(e.ChatNumber)?.GetValueOrDefault(m.Number) ?? MessageExtras.New(caller.IsUser))
                    : null,
                // A reaction entry: who reacted with what, and the message's counts now.
                "reaction" => Deserialize<ReactionState>(state) is var r
                    ? new ReactionResponse(r.Number, r.UserId, r.Reaction, r.RemovedAt is null,
                        detailsOf.GetValueOrDefault(e.ChatNumber)?.GetValueOrDefault(r.Number)?.Reactions ?? new Dictionary<string, int>())
                    : null,
                "chat" => new KnownChat(Deserialize<ChatState>(state), null, known.GetValueOrDefault(e.ChatNumber)?.MessagesCount ?? 0)
                    .ToResponse(roster.Ids),
                _ => MemberResponse.Of(Deserialize<MemberState>(state), unreadOf.GetValueOrDefault(e.Seq)),
            };
        }
    }

    private async Task<List<FeedEvent>> PendingAsync(long applicationId, long after, int limit) =>
        (await pending.RangeAsync<FeedEvent>(RedisKeys.PendingFeed(applicationId), after + 1, long.MaxValue, descending: false, limit + 1))
        .Select(p => (FeedEvent)Kinds.FeedEvent.Restore(p.Field, p.State)).ToList();

    /// <summary>Up to limit + 1 rows after the position, the last position retention dropped, and the current epoch: one round trip.</summary>
    private async Task<(List<FeedEvent> Rows, long DroppedUpTo, long Epoch)> PersistedAsync(long applicationId, long after, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = new MySqlCommand("""
            SELECT seq, at, type, chat_number, number, user_id, state, updated_at FROM feed
            WHERE application_id = @app AND seq > @after ORDER BY seq LIMIT @take;
            SELECT (SELECT dropped_up_to FROM feed_retention WHERE application_id = @app),
                   (SELECT MAX(first_seq) FROM feed_epochs WHERE application_id = @app);
            """, connection);
        command.Parameters.AddWithValue("@app", applicationId);
        command.Parameters.AddWithValue("@after", after);
        command.Parameters.AddWithValue("@take", limit + 1);
        await using var reader = await command.ExecuteReaderAsync(ct);
        var rows = await RowsAsync(reader, applicationId, ct);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        return (rows, reader.IsDBNull(0) ? 0 : reader.GetInt64(0), reader.IsDBNull(1) ? 0 : reader.GetInt64(1));
    }

    private async Task<List<FeedEvent>> QueryAsync(string sql, MySqlParameter[] parameters, long applicationId, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = new MySqlCommand(sql, connection);
        command.Parameters.AddRange(parameters);
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await RowsAsync(reader, applicationId, ct);
    }

    private static async Task<List<FeedEvent>> RowsAsync(MySqlDataReader reader, long applicationId, CancellationToken ct)
    {
        var rows = new List<FeedEvent>();
        while (await reader.ReadAsync(ct))
            rows.Add(new FeedEvent(applicationId, reader.GetInt64(0), reader.GetString(2), Utc(reader.GetDateTime(1)), reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : JsonDocument.Parse(reader.GetString(6)).RootElement, Utc(reader.GetDateTime(7))));
        return rows;
    }

    private static T Deserialize<T>(JsonElement state) => state.Deserialize<T>(CommandJson.Options)!;

    /// <summary>Every time stored is UTC; MySQL's datetime does not say so.</summary>
    private static DateTime Utc(DateTime stored) => DateTime.SpecifyKind(stored, DateTimeKind.Utc);
}
