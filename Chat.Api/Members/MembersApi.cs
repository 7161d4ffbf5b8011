using System.Globalization;
using Chat.Api.Shared;
using Chat.Api.Shared.Identity;
using Chat.Contracts;
using Chat.Domain;
using Chat.Domain.Data;
using Chat.Domain.Pipeline;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Chat.Api.Members;

/// <summary>
/// Members of chats, written through the pipeline like chats and messages and readable at once (docs/decisions/0007).
/// User ids are the client app's own; a chat created "distinct" keeps the member set it was created with.
/// </summary>
public static class MembersApi
{
    public static IHostApplicationBuilder AddMembers(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<MembersOptions>(MembersOptions.Section);
        return builder;
    }

    public static void MapMembers(this IEndpointRouteBuilder app)
    {
        var members = app.MapChatGroup("/members").WithTags("Members");
        members.MapGet("/", List).Produces<Page<MemberResponse>>().WithName("ListMembers").WithSummary("Members with their cursors, ordered by user id");
        members.MapPost("/", Add).ForChatMembers().WithName("AddMembers").WithSummary("Add users to a chat; members already in it stay as they are");
        members.MapGet("/{user}", Get).WithName("GetMember");
        members.MapDelete("/{user}", Remove).ForUserInPath().WithName("RemoveMember");

        app.MapApplicationGroup("/users/{user}/chats").WithTags("Members")
            .MapGet("/", ChatsOfUser).ForUserInPath().Produces<Page<UserChatResponse>>().WithName("ListChatsOfUser")
            .WithSummary("The chats a user is a member of, ascending by number, with the user's cursors");
        app.MapReceipts();
    }

    /// <summary>The services the member handlers share.</summary>
    internal readonly record struct Services(Rosters Rosters, LastMessageNumbers LastNumbers, Acceptance Acceptance, Versions Versions);

    private static async Task<IResult> List(RequestContext request, int? limit, string? after, [AsParameters] Services services)
    {
        if (!ListQuery.TryLimit(limit, out var take, out var problem)) return problem!;
        var roster = await services.Rosters.OfAsync(request.App.Id, request.ChatNumber);
        var last = await services.LastNumbers.OfAsync(request.App, request.Chat);
        var page = roster.Members.Where(m => after is null || string.CompareOrdinal(m.UserId, after) > 0).Take(take + 1).ToList();
        var next = page.Count > take
            ? $"/applications/{request.App.Token}/chats/{request.ChatNumber}/members?limit={take}&after={Uri.EscapeDataString(page[take - 1].UserId)}"
            : null;
        return TypedResults.Ok(new Page<MemberResponse>(page.Take(take).Select(m => MemberResponse.Of(m, last)).ToList(), next));
    }

    private static async Task<Results<Ok<MemberResponse>, NotFound>> Get(RequestContext request, string user, [AsParameters] Services services)
    {
        if (!UserIds.IsWellFormed(user) || (await services.Rosters.OfAsync(request.App.Id, request.ChatNumber)).Find(user) is not { } member)
            return TypedResults.NotFound();
        return TypedResults.Ok(MemberResponse.Of(member, await services.LastNumbers.OfAsync(request.App, request.Chat)));
    }

    private static async Task<Results<Ok<Page<MemberResponse>>, ProblemHttpResult>> Add(RequestContext request, AddMembersRequest body,
        [AsParameters] Services services, IOptions<MembersOptions> options, CancellationToken ct)
    {
        var validation = new Validation();
        var users = UserIds.List(validation, "users", body.Users, required: true);
        if (!validation.IsValid) return validation.Problem();
        if (request.Chat.State.DistinctKey is not null) return MembersAreFixed();

        var roster = await services.Rosters.OfAsync(request.App.Id, request.ChatNumber);
        var joining = users.Where(u => roster.Find(u) is null).Select(u => services.Versions.Joining(u, roster.Latest(u))).ToList();
        if (roster.Members.Count + joining.Count > options.Value.MaxPerChat)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Too many members",
                detail: $"A chat has at most {options.Value.MaxPerChat} members.");
        var scope = Kinds.ChatScope(request.Chat.State);
        var joined = await services.Acceptance.AcceptAsync(joining.Select(m => Kinds.Member.Write(scope, m, basedOn: roster.Latest(m.UserId))).ToList(), ct);

        var last = await services.LastNumbers.OfAsync(request.App, request.Chat);
        var named = users.Select(u => joined.Select(j => j.StateAs<MemberState>()).FirstOrDefault(j => j.UserId == u)
                                      ?? roster.Find(u) ?? joining.First(j => j.UserId == u));
        return TypedResults.Ok(new Page<MemberResponse>(named.Select(m => MemberResponse.Of(m, last)).ToList(), null));
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> Remove(RequestContext request, string user,
        [AsParameters] Services services, IChatEvents events, CancellationToken ct)
    {
        if (!UserIds.IsWellFormed(user)) return TypedResults.NotFound();
        if (request.Chat.State.DistinctKey is not null) return MembersAreFixed();
        if ((await services.Rosters.OfAsync(request.App.Id, request.ChatNumber)).Find(user) is not { } member) return TypedResults.NotFound();
        await services.Acceptance.AcceptAsync([Kinds.Member.Write(Kinds.ChatScope(request.Chat.State), services.Versions.Leaving(member), basedOn: member)], ct);
        await events.MemberRemovedAsync(request.App.Id, request.ChatNumber, user);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> ChatsOfUser(RequestContext request, [AsParameters] UserChatsQuery query, [AsParameters] Services services,
        [AsParameters] UserChatsServices userChats)
    {
        var user = query.User;
        if (!UserIds.IsWellFormed(user)) return TypedResults.NotFound();
        if (!ListQuery.TryLimit(query.Limit, out var take, out var problem)) return problem!;
        if (query.After is < 0) return ListQuery.BadQuery("after", "after must be a chat number (0 or more).");
        var app = request.App;
        var range = new NumberRange((query.After ?? 0) + 1, int.MaxValue, Descending: false);

        // The user's member states keyed by chat number; a pending removal hides the row it replaces.
        var page = await userChats.Reader.PageAsync<MemberState, UserChat>(RedisKeys.PendingUserChats(app.Id, user), range, take,
            (field, member) => new UserChat(int.Parse(field, CultureInfo.InvariantCulture), member),
            async () => KeysetMerge.Source<int, UserChat>.Read(await PersistedChatsOfAsync(userChats.Db, app.Id, user, range.Low, take), take, c => c.Chat),
            new KeysetMerge.Rules<int, UserChat>(c => c.Chat, (a, b) => a with { Member = Kinds.Member.Combine(a.Member, b.Member) },
                c => !Kinds.Member.Hides(c.Member), Comparer<int>.Default));

        var numbers = page.Items.Select(c => c.Chat).ToList();
        var rosters = await services.Rosters.OfAsync(app.Id, numbers);
        var found = await Task.WhenAll(numbers.Select(async n => (Chat: await userChats.Chats.FindAsync(app, n), Member: rosters[n].Find(user))));
        // A chat deleted, or a removal accepted, since the lists were read: left out of this page.
        var live = found.Where(f => f.Chat is not null && f.Member is not null).ToList();
        var last = await services.LastNumbers.OfAsync(app, live.Select(f => f.Chat!).ToList());
        var items = live.Select(f => new UserChatResponse(f.Chat!.State.Number, f.Chat.State.Name, f.Member!.JoinedAt,
            f.Member.DeliveredUpTo, f.Member.ReadUpTo, MemberResponse.Unread(f.Member, last[f.Chat.State.Number]))).ToList();
        return TypedResults.Ok(new Page<UserChatResponse>(items, page.Next is { } next
            ? $"/applications/{app.Token}/users/{Uri.EscapeDataString(user)}/chats?limit={take}&after={next.LastKey}"
            : null));
    }

    private readonly record struct UserChatsQuery(string User, int? Limit, int? After);

    private readonly record struct UserChatsServices(MergedReader Reader, ChatDirectory Chats, ChatDbContext Db);

    /// <summary>A chat of a user: its number and the user's state in it.</summary>
    private sealed record UserChat(int Chat, MemberState Member);

    /// <summary>Up to <paramref name="limit"/> + 1 live memberships of the user in live chats numbered from <paramref name="from"/>.</summary>
    private static async Task<List<UserChat>> PersistedChatsOfAsync(ChatDbContext db, long applicationId, string user, int from, int limit) =>
        await db.ChatMembers
            .Join(db.Chats, m => m.ChatId, c => c.Id, (m, c) => new { Member = m, Chat = c })
            .Where(x => x.Member.UserId == user && x.Member.LeftAt == null
                        && x.Chat.ApplicationId == applicationId && x.Chat.Number >= from && x.Chat.DeletedAt == null)
            .OrderBy(x => x.Chat.Number).Take(limit + 1)
            .Select(x => new UserChat(x.Chat.Number, new MemberState(x.Member.UserId, x.Member.JoinedAt, x.Member.UpdatedAt,
                x.Member.LeftAt, x.Member.DeliveredUpTo, x.Member.ReadUpTo)))
            .ToListAsync();

    private static ProblemHttpResult MembersAreFixed() => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
        title: "Members are fixed", detail: "This chat was created distinct: it is the chat of exactly its member set.");
}
