using Chat.Domain.Data;
using Chat.Domain.Members;
using Chat.Domain.Messaging;
using Microsoft.EntityFrameworkCore;

namespace Chat.Api.Members;

/// <summary>
/// Reads a chat's members: pending states and cursors from Redis, persisted rows from a cache that is valid only
/// while the chat's member generation is unchanged (or from MySQL). Redis is read first and in one step: the worker
/// releases a pending state only after its commit, in the same step as it raises the generation.
/// </summary>
public sealed class MemberDirectory(MemberStore store, IDbContextFactory<ChatDbContext> db)
{
    public async Task<Roster> RosterAsync(long applicationId, int chatNumber) =>
        (await RostersAsync(applicationId, [chatNumber]))[chatNumber];

    /// <summary>Several chats' members at once: one MySQL query for all the chats whose cache missed.</summary>
    public async Task<Dictionary<int, Roster>> RostersAsync(long applicationId, IReadOnlyCollection<int> chatNumbers)
    {
        var snapshots = (await Task.WhenAll(chatNumbers.Distinct().Select(async n => (Chat: n, Snapshot: await store.ReadAsync(applicationId, n)))))
            .ToDictionary(s => s.Chat, s => s.Snapshot);
        var missed = snapshots.Where(s => s.Value.Persisted is null).Select(s => s.Key).ToList();
        var loaded = missed.Count == 0 ? [] : await LoadAsync(applicationId, missed);
        foreach (var chat in missed)
            await store.CacheAsync(applicationId, chat, snapshots[chat].Generation, loaded.GetValueOrDefault(chat) ?? []);
        return snapshots.ToDictionary(s => s.Key, s => Roster.Merge(
            s.Value.Persisted ?? loaded.GetValueOrDefault(s.Key) ?? [], s.Value.Pending, s.Value.Cursors));
    }

    /// <summary>The ids of the current members, or null when there are none (chat responses omit the field then).</summary>
    public async Task<IReadOnlyList<string>?> IdsAsync(long applicationId, int chatNumber) =>
        Ids(await RosterAsync(applicationId, chatNumber));

    public static IReadOnlyList<string>? Ids(Roster roster) =>
        roster.Members is { Count: > 0 } members ? members.Select(m => m.UserId).ToList() : null;

    public async Task<string> StatusOfAsync(MessageState message) =>
        (await RosterAsync(message.ApplicationId, message.ChatNumber)).StatusOf(message.Number, message.Sender);

    /// <summary>Every member row of the chats, also of users who left (their state must win over older pending ones).</summary>
    private async Task<Dictionary<int, List<MemberState>>> LoadAsync(long applicationId, List<int> chatNumbers)
    {
        await using var context = await db.CreateDbContextAsync();
        var rows = await context.ChatMembers
            .Join(context.Chats, m => m.ChatId, c => c.Id, (m, c) => new { Member = m, Chat = c })
            .Where(x => x.Chat.ApplicationId == applicationId && chatNumbers.Contains(x.Chat.Number))
            .Select(x => new
            {
                x.Chat.Number,
                State = new MemberState(x.Member.UserId, x.Member.JoinedAt, x.Member.UpdatedAt, x.Member.LeftAt,
                    x.Member.DeliveredUpTo, x.Member.ReadUpTo),
            })
            .ToListAsync();
        return rows.GroupBy(r => r.Number).ToDictionary(g => g.Key, g => g.Select(r => r.State).ToList());
    }
}
