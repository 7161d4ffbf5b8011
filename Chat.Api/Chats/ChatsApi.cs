using Chat.Api.Applications;
using Chat.Api.Errors;
using Chat.Api.Members;
using Chat.Api.Paging;
using Chat.Domain.Data;
using Chat.Domain.Messaging;
using Chat.Domain.Numbers;
using Chat.Domain.Pending;
using Chat.Domain.Redis;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Chat.Api.Chats;

/// <summary>Chats are created, renamed and deleted through the queue (docs/decisions/0004); reads merge what is pending.</summary>
public static class ChatsApi
{
    public static IHostApplicationBuilder AddChats(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ChatDirectory>();
        builder.Services.AddSingleton<Acceptance>();
        return builder;
    }

    public static void MapChats(this IEndpointRouteBuilder app)
    {
        var chats = app.MapGroup("/applications/{token}/chats").WithTags("Chats");
        chats.MapPost("/", Create).WithName("CreateChat").WithSummary("Create a chat; its number comes back");
        chats.MapGet("/", List).WithName("ListChats").WithSummary("Chats in ascending number order");
        chats.MapGet("/{number:int}", Get).WithName("GetChat");
        chats.MapPatch("/{number:int}", Rename).WithName("UpdateChat");
        chats.MapPut("/{number:int}", Rename).WithName("ReplaceChat");
        chats.MapDelete("/{number:int}", Delete).WithName("DeleteChat");
    }

    private static async Task<Results<Created<ChatResponse>, Ok<ChatResponse>, NotFound, ProblemHttpResult>> Create(
        string token, ChatRequest? request, ApplicationDirectory applications, NumberAllocator numbers, Acceptance acceptance,
        MemberWrites memberWrites, DistinctChats distinctChats, CancellationToken ct)
    {
        if (await applications.FindAsync(token) is not { } app) return TypedResults.NotFound();
        var validation = new Validation();
        var name = validation.Text("name", request?.Name, 1, ApplicationsApi.MaxNameLength, required: false);
        var members = UserIds.List(validation, "members", request?.Members, required: request?.Distinct == true);
        if (!validation.IsValid) return validation.Problem();

        if (request?.Distinct == true)
            return await distinctChats.GetOrCreateAsync(app, name, members, ct) switch
            {
                ({ } created, true) => TypedResults.Created($"/applications/{token}/chats/{created.State.Number}", created.ToResponse(members)),
                ({ } existing, false) => TypedResults.Ok(existing.ToResponse(members)),
                null => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Request in progress",
                    detail: "The chat of these members is still being created; retry shortly."),
            };

        var number = await numbers.NextAsync(RedisKeys.ChatNumbers(app.Id), NumberAllocator.ChatScope(app.Id), ct);
        var now = ApplicationsApi.UtcNow();
        var chat = new ChatState(app.Id, number, Guid.NewGuid(), name, now, now, null);
        if (members.Count == 0) await acceptance.AcceptAsync(Change.Created, chat, ct);
        else await memberWrites.AcceptNewChatAsync(chat, MemberWrites.Initial(members, now), ct);
        return TypedResults.Created($"/applications/{token}/chats/{number}", new KnownChat(chat, null, 0).ToResponse(members));
    }

    private static async Task<Results<Ok<ChatResponse>, NotFound>> Get(string token, int number,
        ApplicationDirectory applications, ChatDirectory chats, MemberDirectory members) =>
        await applications.FindAsync(token) is { } app && await chats.FindAsync(app, number) is { } chat
            ? TypedResults.Ok(chat.ToResponse(await members.IdsAsync(app.Id, number)))
            : TypedResults.NotFound();

    private static async Task<Results<Ok<ChatResponse>, NotFound, ProblemHttpResult>> Rename(string token, int number,
        ChatRequest request, ApplicationDirectory applications, ChatDirectory chats, Acceptance acceptance, MemberDirectory members,
        CancellationToken ct)
    {
        if (await applications.FindAsync(token) is not { } app || await chats.FindAsync(app, number) is not { } chat)
            return TypedResults.NotFound();
        var validation = new Validation();
        var name = validation.Text("name", request.Name, 1, ApplicationsApi.MaxNameLength, required: false);
        if (!validation.IsValid) return validation.Problem();

        var renamed = chat.State with { Name = name, UpdatedAt = Acceptance.NextVersion(chat.State.UpdatedAt) };
        await acceptance.AcceptAsync(Change.Updated, renamed, ct);
        return TypedResults.Ok((chat with { State = renamed }).ToResponse(await members.IdsAsync(app.Id, number)));
    }

    private static async Task<Results<NoContent, NotFound>> Delete(string token, int number,
        ApplicationDirectory applications, ChatDirectory chats, Acceptance acceptance, CancellationToken ct)
    {
        if (await applications.FindAsync(token) is not { } app || await chats.FindAsync(app, number) is not { } chat)
            return TypedResults.NotFound();
        var now = Acceptance.NextVersion(chat.State.UpdatedAt);
        await acceptance.AcceptAsync(Change.Deleted, chat.State with { UpdatedAt = now, DeletedAt = now }, ct);
        await chats.ForgetAsync(app, number);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> List(string token, int? limit, int? after,
        ApplicationDirectory applications, PendingStore pending, ChatDbContext db, MemberDirectory members)
    {
        if (await applications.FindAsync(token) is not { } app) return TypedResults.NotFound();
        if (!ListQuery.TryLimit(limit, out var take, out var problem)) return problem!;
        if (after is < 0) return ListQuery.BadQuery("after", "after must be a chat number (0 or more).");
        var from = (after ?? 0) + 1;

        // Pending first: once an entry leaves Redis its row is already committed.
        var accepted = await pending.RangeAsync<ChatState>(PendingScope.Chats(app.Id), from, int.MaxValue, descending: false, take + 1);
        var rows = await db.Chats
            .Where(c => c.ApplicationId == app.Id && c.Number >= from && c.DeletedAt == null)
            .OrderBy(c => c.Number).Take(take + 1)
            .Select(ChatDirectory.Known)
            .ToListAsync();
        var counts = rows.ToDictionary(r => r.State.Number, r => r.MessagesCount);

        var (items, next) = KeysetMerge.Merge(
            new KeysetMerge.Source<ChatResponse>(rows.Select(r => (r.State.Number, r.ToResponse(), false)).ToList(),
                KeysetMerge.KnownTo(rows.Select(r => r.State.Number).ToList(), take)),
            new KeysetMerge.Source<ChatResponse>(accepted.Select(p => (p.State.Number,
                new KnownChat(p.State, null, counts.GetValueOrDefault(p.State.Number)).ToResponse(), p.Deleted)).ToList(),
                KeysetMerge.KnownTo(accepted.Select(p => p.State.Number).ToList(), take)),
            descending: false, take);
        var rosters = await members.RostersAsync(app.Id, items.Select(c => c.Number).ToList());
        items = items.Select(c => c with { Members = MemberDirectory.Ids(rosters[c.Number]) }).ToList();
        return TypedResults.Ok(new Page<ChatResponse>(items,
            next is null ? null : $"/applications/{token}/chats?limit={take}&after={next}"));
    }
}
