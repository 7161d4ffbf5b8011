using System.Globalization;
using Chat.Api.Shared;
using Chat.Contracts;
using Chat.Domain.Data;
using Chat.Domain.Pipeline;
using Microsoft.EntityFrameworkCore;

namespace Chat.Api.Members;

/// <summary>The chats a user is a member of now, with their state in each: pending memberships merged over persisted ones.</summary>
public sealed class UserChats(MergedReader reader, ChatDirectory chats, Rosters rosters, IDbContextFactory<ChatDbContext> db)
{
    /// <summary>Chats per page when every chat of a user is walked (their unread totals).</summary>
    public const int TotalsPage = 500;

    /// <returns>Up to <paramref name="take"/> live chats numbered after <paramref name="after"/> with the user's state in each,
    /// and where the next page starts (null at the end).</returns>
    public async Task<(List<(KnownChat Chat, MemberState Member)> Live, int? Next)> PageAsync(KnownApplication app, string user, int after, int take)
    {
        var range = new NumberRange(after + 1, int.MaxValue, Descending: false);
        // The user's member states keyed by chat number; a pending removal hides the row it replaces.
        var page = await reader.PageAsync<MemberState, UserChat>(RedisKeys.PendingUserChats(app.Id, user), range, take,
            (field, member) => new UserChat(int.Parse(field, CultureInfo.InvariantCulture), member),
            async () => KeysetMerge.Source<int, UserChat>.Read(await PersistedAsync(app.Id, user, range.Low, take), take, c => c.Chat),
            new KeysetMerge.Rules<int, UserChat>(c => c.Chat, (a, b) => a with { Member = Kinds.Member.Combine(a.Member, b.Member) },
                c => !Kinds.Member.Hides(c.Member), Comparer<int>.Default));

        var numbers = page.Items.Select(c => c.Chat).ToList();
        var rostersOf = await rosters.OfAsync(app.Id, numbers);
        var found = await Task.WhenAll(numbers.Select(async n => (Chat: await chats.FindAsync(app, n), Member: rostersOf[n].Find(user))));
        // A chat deleted, or a removal accepted, since the lists were read: left out of this page.
        var live = found.Where(f => f.Chat is not null && f.Member is not null).Select(f => (f.Chat!, f.Member!)).ToList();
        return (live, page.Next?.LastKey);
    }

    /// <summary>A chat of a user: its number and the user's state in it.</summary>
    private sealed record UserChat(int Chat, MemberState Member);

    /// <summary>Up to <paramref name="limit"/> + 1 live memberships of the user in live chats numbered from <paramref name="from"/>.</summary>
    private async Task<List<UserChat>> PersistedAsync(long applicationId, string user, int from, int limit)
    {
        await using var context = await db.CreateDbContextAsync();
        return await context.ChatMembers
            .Join(context.Chats, m => m.ChatId, c => c.Id, (m, c) => new { Member = m, Chat = c })
            .Where(x => x.Member.UserId == user && x.Member.LeftAt == null
                        && x.Chat.ApplicationId == applicationId && x.Chat.Number >= from && x.Chat.DeletedAt == null)
            .OrderBy(x => x.Chat.Number).Take(limit + 1)
            .Select(x => new UserChat(x.Chat.Number, new MemberState(x.Member.UserId, x.Member.JoinedAt, x.Member.UpdatedAt,
                x.Member.LeftAt, x.Member.DeliveredUpTo, x.Member.ReadUpTo)))
            .ToListAsync();
    }
}
