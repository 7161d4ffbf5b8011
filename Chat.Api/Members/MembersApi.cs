using Chat.Api.Applications;
using Chat.Api.Chats;
using Chat.Api.Errors;
using Chat.Api.Paging;
using Chat.Domain.Data;
using Chat.Domain.Members;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Chat.Api.Members;

/// <summary>
/// Members of chats, written through the queue like chats and messages and readable at once (docs/decisions/0007).
/// User ids are the client app's own; a chat created "distinct" keeps the member set it was created with.
/// </summary>
public static class MembersApi
{
    public static IHostApplicationBuilder AddMembers(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<MembersOptions>().BindConfiguration(MembersOptions.Section);
        builder.Services.AddSingleton<MemberDirectory>();
        builder.Services.AddSingleton<MemberWrites>();
        builder.Services.AddSingleton<DistinctChats>();
        builder.Services.AddSingleton<LastMessageNumbers>();
        return builder;
    }

    public static void MapMembers(this IEndpointRouteBuilder app)
    {
        var members = app.MapGroup("/applications/{token}/chats/{chat:int}/members").WithTags("Members");
        members.MapGet("/", List).WithName("ListMembers").WithSummary("Members with their cursors, ordered by user id");
        members.MapPost("/", Add).WithName("AddMembers").WithSummary("Add users to a chat; members already in it stay as they are");
        members.MapGet("/{user}", Get).WithName("GetMember");
        members.MapDelete("/{user}", Remove).WithName("RemoveMember");

        app.MapGet("/applications/{token}/users/{user}/chats", ChatsOfUser).WithTags("Members").WithName("ListChatsOfUser")
            .WithSummary("The chats a user is a member of, ascending by number, with the user's cursors");
        app.MapReceipts();
    }

    /// <summary>The application and chat named by the path, or null (a 404).</summary>
    internal static async Task<(KnownApplication App, KnownChat Chat)?> FindChatAsync(ApplicationDirectory applications, ChatDirectory chats,
        string token, int chat) =>
        await applications.FindAsync(token) is { } app && await chats.FindAsync(app, chat) is { } known ? (app, known) : null;

    private static async Task<IResult> List(string token, int chat, int? limit, string? after,
        ApplicationDirectory applications, ChatDirectory chats, MemberDirectory members, LastMessageNumbers lastNumbers)
    {
        if (await FindChatAsync(applications, chats, token, chat) is not ({ } app, { } known)) return TypedResults.NotFound();
        if (!ListQuery.TryLimit(limit, out var take, out var problem)) return problem!;

        var roster = await members.RosterAsync(app.Id, chat);
        var last = await lastNumbers.OfAsync(app, known);
        var page = roster.Members.Where(m => after is null || string.CompareOrdinal(m.UserId, after) > 0).Take(take + 1).ToList();
        var next = page.Count > take
            ? $"/applications/{token}/chats/{chat}/members?limit={take}&after={Uri.EscapeDataString(page[take - 1].UserId)}"
            : null;
        return TypedResults.Ok(new Page<MemberResponse>(page.Take(take).Select(m => Roster.ToResponse(m, last)).ToList(), next));
    }

    private static async Task<Results<Ok<MemberResponse>, NotFound>> Get(string token, int chat, string user,
        ApplicationDirectory applications, ChatDirectory chats, MemberDirectory members, LastMessageNumbers lastNumbers)
    {
        if (!UserIds.IsWellFormed(user) || await FindChatAsync(applications, chats, token, chat) is not ({ } app, { } known))
            return TypedResults.NotFound();
        if ((await members.RosterAsync(app.Id, chat)).Find(user) is not { } member) return TypedResults.NotFound();
        return TypedResults.Ok(Roster.ToResponse(member, await lastNumbers.OfAsync(app, known)));
    }

    private static async Task<Results<Ok<Page<MemberResponse>>, NotFound, ProblemHttpResult>> Add(string token, int chat,
        AddMembersRequest request, ApplicationDirectory applications, ChatDirectory chats, MemberDirectory members,
        MemberWrites writes, LastMessageNumbers lastNumbers, IOptions<MembersOptions> options, CancellationToken ct)
    {
        if (await FindChatAsync(applications, chats, token, chat) is not ({ } app, { } known)) return TypedResults.NotFound();
        var validation = new Validation();
        var users = UserIds.List(validation, "users", request.Users, required: true);
        if (!validation.IsValid) return validation.Problem();
        if (known.State.DistinctKey is not null) return MembersAreFixed();

        var roster = await members.RosterAsync(app.Id, chat);
        var joining = users.Where(u => roster.Find(u) is null).Select(u => MemberWrites.Joining(u, roster.Latest(u))).ToList();
        if (roster.Members.Count + joining.Count > options.Value.MaxPerChat)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Too many members",
                detail: $"A chat has at most {options.Value.MaxPerChat} members.");
        if (joining.Count > 0) await writes.AcceptAsync(app.Id, chat, joining, ct);

        var last = await lastNumbers.OfAsync(app, known);
        var named = users.Select(u => roster.Find(u) ?? joining.First(j => j.UserId == u));
        return TypedResults.Ok(new Page<MemberResponse>(named.Select(m => Roster.ToResponse(m, last)).ToList(), null));
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> Remove(string token, int chat, string user,
        ApplicationDirectory applications, ChatDirectory chats, MemberDirectory members, MemberWrites writes, CancellationToken ct)
    {
        if (!UserIds.IsWellFormed(user) || await FindChatAsync(applications, chats, token, chat) is not ({ } app, { } known))
            return TypedResults.NotFound();
        if (known.State.DistinctKey is not null) return MembersAreFixed();
        if ((await members.RosterAsync(app.Id, chat)).Find(user) is not { } member) return TypedResults.NotFound();
        await writes.AcceptAsync(app.Id, chat, [MemberWrites.Leaving(member)], ct);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> ChatsOfUser(string token, string user, int? limit, int? after,
        ApplicationDirectory applications, ChatDirectory chats, MemberDirectory members, MemberStore store,
        LastMessageNumbers lastNumbers, ChatDbContext db)
    {
        if (!UserIds.IsWellFormed(user) || await applications.FindAsync(token) is not { } app) return TypedResults.NotFound();
        if (!ListQuery.TryLimit(limit, out var take, out var problem)) return problem!;
        if (after is < 0) return ListQuery.BadQuery("after", "after must be a chat number (0 or more).");
        var from = after ?? 0;

        // Pending first: a state leaves Redis only after its row is committed. A pending removal hides the row.
        var accepted = await store.PendingChatsOfAsync(app.Id, user, from, take + 1);
        var rows = await db.ChatMembers
            .Join(db.Chats, m => m.ChatId, c => c.Id, (m, c) => new { Member = m, Chat = c })
            .Where(x => x.Member.UserId == user && x.Member.LeftAt == null
                        && x.Chat.ApplicationId == app.Id && x.Chat.Number > from && x.Chat.DeletedAt == null)
            .OrderBy(x => x.Chat.Number).Take(take + 1).Select(x => x.Chat.Number).ToListAsync();
        var (numbers, next) = KeysetMerge.Merge(
            new KeysetMerge.Source<int>(rows.Select(n => (n, n, false)).ToList(), KeysetMerge.KnownTo(rows, take)),
            new KeysetMerge.Source<int>(accepted.Select(p => (p.Chat, p.Chat, p.Member.LeftAt is not null)).ToList(),
                KeysetMerge.KnownTo(accepted.Select(p => p.Chat).ToList(), take)),
            descending: false, take);

        var rosters = await members.RostersAsync(app.Id, numbers);
        var found = await Task.WhenAll(numbers.Select(async n => (Chat: await chats.FindAsync(app, n), Member: rosters[n].Find(user))));
        // A chat deleted, or a removal accepted, since the lists were read: left out of this page.
        var live = found.Where(f => f.Chat is not null && f.Member is not null).ToList();
        var last = await lastNumbers.OfAsync(app, live.Select(f => f.Chat!).ToList());
        var items = live.Select(f => new UserChatResponse(f.Chat!.State.Number, f.Chat.State.Name, f.Member!.JoinedAt,
            f.Member.DeliveredUpTo, f.Member.ReadUpTo, Roster.UnreadCount(f.Member, last[f.Chat.State.Number]))).ToList();
        return TypedResults.Ok(new Page<UserChatResponse>(items,
            next is null ? null : $"/applications/{token}/users/{Uri.EscapeDataString(user)}/chats?limit={take}&after={next}"));
    }

    private static ProblemHttpResult MembersAreFixed() => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
        title: "Members are fixed", detail: "This chat was created distinct: it is the chat of exactly its member set.");
}
