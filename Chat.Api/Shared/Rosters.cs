using Chat.Contracts;
using Chat.Domain.Data;
using Chat.Domain.Pipeline;
using Chat.Domain.Redis;
using Microsoft.EntityFrameworkCore;

namespace Chat.Api.Shared;

/// <summary>
/// The members of chats as of now (docs/decisions/0007): pending states merged over the persisted ones. Those come
/// from a cache that counts only while the chat's member generation is unchanged, or from MySQL, with the states the
/// worker released since merged over them (<see cref="WriteKind.ReleasedCopyOf"/>): a sender's cursors move with every
/// message, and the cached copy lasts anyway.
/// </summary>
public sealed class Rosters(MergedReader reader, PendingStore pending, RedisCache cache, IDbContextFactory<ChatDbContext> db)
{
    /// <summary>
    /// How long a cached roster counts at most. Well under <see cref="PendingStore.ReleasedCopyLifetime"/>: a copy loaded
    /// before a release must never outlive the released state that completes it (ReceiptsTests holds the two apart).
    /// </summary>
    public static readonly TimeSpan CacheTtl = TimeSpan.FromSeconds(60);

    public async Task<Roster> OfAsync(long applicationId, int chatNumber) =>
        (await OfAsync(applicationId, [chatNumber]))[chatNumber];

    /// <summary>Several chats' members at once: one MySQL query for all the chats whose cache missed.</summary>
    public async Task<Dictionary<int, Roster>> OfAsync(long applicationId, IReadOnlyCollection<int> chatNumbers)
    {
        var states = await reader.AllAsync(Kinds.Member, chatNumbers.Distinct().Select(n => new Scope(applicationId, n)).ToList(),
            scopes => PersistedAsync(applicationId, scopes));
        return states.ToDictionary(s => s.Key.ChatNumber, s => new Roster(s.Value));
    }

    /// <summary>The ids of the current members, or null when there are none (chat responses omit the field then).</summary>
    public async Task<IReadOnlyList<string>?> IdsAsync(long applicationId, int chatNumber) => (await OfAsync(applicationId, chatNumber)).Ids;

    public async Task<string> StatusOfAsync(MessageState message) =>
        (await OfAsync(message.ApplicationId, message.ChatNumber)).StatusOf(message.Number, message.Sender);

    /// <summary>The persisted states, in no particular order and several of one member possibly: the reader combines them.</summary>
    private async Task<IReadOnlyDictionary<Scope, IReadOnlyList<MemberState>>> PersistedAsync(long applicationId, IReadOnlyCollection<Scope> scopes)
    {
        var cached = await Task.WhenAll(scopes.Select(async s =>
        {
            var released = pending.AllAsync<MemberState>(Kinds.Member.ReleasedCopyOf(s));
            var copy = await cache.GetAsync<List<MemberState>>("members", MembersCacheOf(s), RedisKeys.MembersGeneration(applicationId, s.ChatNumber));
            return (Scope: s, Copy: copy, Released: await released);
        }));
        var found = cached.Where(c => c.Copy.Hit).ToDictionary(c => c.Scope, c => (IReadOnlyList<MemberState>)[.. c.Copy.Value ?? [], .. c.Released]);
        var missed = cached.Where(c => !c.Copy.Hit).ToList();
        if (missed.Count == 0) return found;
        var loaded = await LoadAsync(applicationId, missed.Select(m => m.Scope.ChatNumber).ToList());
        foreach (var (scope, copy, released) in missed)
        {
            var members = loaded.GetValueOrDefault(scope.ChatNumber) ?? [];
            cache.Put(MembersCacheOf(scope), copy.Generation, members, CacheTtl);
            found[scope] = [.. members, .. released];
        }
        return found;
    }

    private static string MembersCacheOf(Scope scope) => RedisKeys.MembersCache(scope.ApplicationId, scope.ChatNumber);

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
