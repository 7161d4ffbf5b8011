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
        builder.Services.AddSingleton<UserChats>();
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
        app.MapApplicationGroup("/users/{user}/unread").WithTags("Members")
            .MapGet("/", UnreadOfUser).ForUserInPath().WithName("GetUnreadOfUser")
            .WithSummary("Unread totals over every chat of the user");
        app.MapReceipts();
    }

    /// <summary>The services the member handlers share.</summary>
    internal readonly record struct Services(Rosters Rosters, LastMessageNumbers LastNumbers, Acceptance Acceptance, Versions Versions, UnreadCounts Unread);

    private static async Task<IResult> List(RequestContext request, int? limit, string? after, [AsParameters] Services services)
    {
        if (!ListQuery.TryLimit(limit, out var take, out var problem)) return problem!;
        var roster = await services.Rosters.OfAsync(request.App.Id, request.ChatNumber);
        var page = roster.Members.Where(m => after is null || string.CompareOrdinal(m.UserId, after) > 0).Take(take + 1).ToList();
        var next = page.Count > take
            ? $"/applications/{request.App.Token}/chats/{request.ChatNumber}/members?limit={take}&after={Uri.EscapeDataString(page[take - 1].UserId)}"
            : null;
        var shown = page.Take(take).ToList();
        var unread = await services.Unread.OfAsync(request.App, shown.Select(m => (request.Chat, m)).ToList());
        return TypedResults.Ok(new Page<MemberResponse>(shown.Select((m, i) => MemberResponse.Of(m, unread[i])).ToList(), next));
    }

    private static async Task<Results<Ok<MemberResponse>, NotFound>> Get(RequestContext request, string user, [AsParameters] Services services)
    {
        if (!UserIds.IsWellFormed(user) || (await services.Rosters.OfAsync(request.App.Id, request.ChatNumber)).Find(user) is not { } member)
            return TypedResults.NotFound();
        return TypedResults.Ok(MemberResponse.Of(member, await services.Unread.OfAsync(request.App, request.Chat, member)));
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

        var named = users.Select(u => joined.Select(j => j.StateAs<MemberState>()).FirstOrDefault(j => j.UserId == u)
                                      ?? roster.Find(u) ?? joining.First(j => j.UserId == u)).ToList();
        var unread = await services.Unread.OfAsync(request.App, named.Select(m => (request.Chat, m)).ToList(), ct);
        return TypedResults.Ok(new Page<MemberResponse>(named.Select((m, i) => MemberResponse.Of(m, unread[i])).ToList(), null));
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
        UserChats userChats)
    {
        var user = query.User;
        if (!UserIds.IsWellFormed(user)) return TypedResults.NotFound();
        if (!ListQuery.TryLimit(query.Limit, out var take, out var problem)) return problem!;
        if (query.After is < 0) return ListQuery.BadQuery("after", "after must be a chat number (0 or more).");
        var app = request.App;
        var (live, nextAfter) = await userChats.PageAsync(app, user, query.After ?? 0, take);
        var unread = await services.Unread.OfAsync(app, live);
        var items = live.Select((f, i) => new UserChatResponse(f.Chat.State.Number, f.Chat.State.Name, f.Member.JoinedAt,
            f.Member.DeliveredUpTo, f.Member.ReadUpTo, unread[i].Messages, unread[i].Mentions)).ToList();
        return TypedResults.Ok(new Page<UserChatResponse>(items, nextAfter is { } next
            ? $"/applications/{app.Token}/users/{Uri.EscapeDataString(user)}/chats?limit={take}&after={next}"
            : null));
    }

    /// <summary>Totals over every chat of the user, page by page through the same reader as the list of their chats.</summary>
    private static async Task<Results<Ok<UserUnreadResponse>, NotFound>> UnreadOfUser(RequestContext request, string user, UserChats userChats, UnreadCounts unreadCounts,
        CancellationToken ct)
    {
        if (!UserIds.IsWellFormed(user)) return TypedResults.NotFound();
        var (total, chatsWithUnread, mentions) = (0L, 0, 0L);
        for (int? after = 0; after is { } from;)
        {
            var (live, next) = await userChats.PageAsync(request.App, user, from, UserChats.TotalsPage);
            foreach (var count in await unreadCounts.OfAsync(request.App, live, ct))
            {
                total += count.Messages;
                mentions += count.Mentions;
                if (count.Messages > 0) chatsWithUnread++;
            }
            after = next;
        }
        return TypedResults.Ok(new UserUnreadResponse(total, chatsWithUnread, mentions));
    }

    private readonly record struct UserChatsQuery(string User, int? Limit, int? After);

    private static ProblemHttpResult MembersAreFixed() => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict,
        title: "Members are fixed", detail: "This chat was created distinct: it is the chat of exactly its member set.");
}
