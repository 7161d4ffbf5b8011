using Chat.Api.Shared;
using Chat.Api.Shared.Identity;
using Chat.Contracts;
using Chat.Domain.Data;
using Chat.Domain.Numbers;
using Chat.Domain.Pipeline;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Chat.Api.Chats;

/// <summary>Chats are created, renamed and deleted through the write pipeline (docs/decisions/0010); reads merge what is pending.</summary>
public static class ChatsApi
{
    public static IHostApplicationBuilder AddChats(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<DistinctChats>();
        return builder;
    }

    public static void MapChats(this IEndpointRouteBuilder app)
    {
        var chats = app.MapApplicationGroup("/chats").WithTags("Chats");
        chats.MapPost("/", Create).WithName("CreateChat").WithSummary("Create a chat; its number comes back");
        chats.MapGet("/", List).Produces<Page<ChatResponse>>().WithName("ListChats").WithSummary("Chats in ascending number order");

        var chat = app.MapChatGroup().WithTags("Chats");
        chat.MapGet("/", Get).WithName("GetChat");
        chat.MapPatch("/", Rename).ForChatMembers().WithName("UpdateChat");
        chat.MapPut("/", Rename).ForChatMembers().WithName("ReplaceChat");
        chat.MapDelete("/", Delete).ForChatMembers().WithName("DeleteChat");
    }

    /// <summary>The services the chat handlers share.</summary>
    private readonly record struct Services(Acceptance Acceptance, Versions Versions, Rosters Rosters, ChatDirectory Chats);

    private static async Task<Results<Created<ChatResponse>, Ok<ChatResponse>, ProblemHttpResult>> Create(RequestContext request,
        ChatRequest? body, [AsParameters] Services services, NumberAllocator numbers, DistinctChats distinctChats, CancellationToken ct)
    {
        var validation = new Validation();
        var name = validation.Text("name", body?.Name, 1, Limits.MaxNameLength, required: false);
        var named = UserIds.List(validation, "members", body?.Members, required: body?.Distinct == true);
        var metadata = validation.Metadata("metadata", body?.Metadata);
        if (metadata is not null && body?.Distinct == true) validation.Add("metadata", "a distinct chat is found by its members only: set metadata with an update.");
        if (!validation.IsValid) return validation.Problem();
        // A chat a user creates has that user among its members.
        var members = UserIds.With(named, request.Caller.UserId);

        var app = request.App;
        if (body?.Distinct == true)
            return await distinctChats.GetOrCreateAsync(app, name, members, ct) switch
            {
                ({ } created, true) => TypedResults.Created(Location(app, created.State.Number), created.ToResponse(members)),
                ({ } existing, false) => TypedResults.Ok(existing.ToResponse(members)),
                null => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Request in progress",
                    detail: "The chat of these members is still being created; retry shortly."),
            };

        var number = await numbers.NextChatAsync(app.Id, ct);
        var now = services.Versions.Now();
        var chat = new ChatState(app.Id, number, Guid.NewGuid(), name, now, now, null, Metadata: metadata);
        await services.Acceptance.AcceptAsync([Kinds.Chat.Write(chat), .. MemberStates.Initial(chat, members)], ct);
        var known = new KnownChat(chat, null, 0);
        services.Chats.Remember(known);
        return TypedResults.Created(Location(app, number), known.ToResponse(members));
    }

    private static async Task<Ok<ChatResponse>> Get(RequestContext request, Rosters rosters) =>
        TypedResults.Ok(request.Chat.ToResponse(await rosters.IdsAsync(request.App.Id, request.ChatNumber)));

    private static async Task<Results<Ok<ChatResponse>, ProblemHttpResult>> Rename(RequestContext request, ChatRequest body,
        [AsParameters] Services services, CancellationToken ct)
    {
        var validation = new Validation();
        var name = validation.Text("name", body.Name, 1, Limits.MaxNameLength, required: false);
        var metadata = validation.Metadata("metadata", body.Metadata);
        if (!validation.IsValid) return validation.Problem();

        var chat = request.Chat;
        var renamed = chat.State with { Name = name, Metadata = metadata ?? chat.State.Metadata, UpdatedAt = services.Versions.After(chat.State.UpdatedAt) };
        await services.Acceptance.AcceptAsync([Kinds.Chat.Write(renamed, basedOn: chat.State)], ct);
        services.Chats.Remember(chat with { State = renamed });
        return TypedResults.Ok((chat with { State = renamed }).ToResponse(await services.Rosters.IdsAsync(request.App.Id, request.ChatNumber)));
    }

    private static async Task<NoContent> Delete(RequestContext request, [AsParameters] Services services, CancellationToken ct)
    {
        var now = services.Versions.After(request.Chat.State.UpdatedAt);
        var deleted = request.Chat.State with { UpdatedAt = now, DeletedAt = now };
        await services.Acceptance.AcceptAsync([Kinds.Chat.Write(deleted, basedOn: request.Chat.State)], ct);
        services.Chats.Remember(request.Chat with { State = deleted });
        return TypedResults.NoContent();
    }

    private static async Task<IResult> List(RequestContext request, int? limit, int? after, MergedReader reader, ChatDbContext db,
        Rosters rosters)
    {
        if (!ListQuery.TryLimit(limit, out var take, out var problem)) return problem!;
        if (after is < 0) return ListQuery.BadQuery("after", "after must be a chat number (0 or more).");
        var app = request.App;
        var from = (after ?? 0) + 1;

        var counts = new Dictionary<int, int>();
        var page = await reader.PageAsync(Kinds.Chat, ChatKind.ScopeOf(app.Id), new NumberRange(from, int.MaxValue, Descending: false), take,
            c => c.Number, async () =>
            {
                var rows = await db.Chats.Where(c => c.ApplicationId == app.Id && c.Number >= from && c.DeletedAt == null)
                    .OrderBy(c => c.Number).Take(take + 1).Select(ChatDirectory.Known).ToListAsync();
                foreach (var row in rows) counts[row.State.Number] = row.MessagesCount;
                return rows.Select(r => r.State).ToList();
            });
        var members = await rosters.OfAsync(app.Id, page.Items.Select(c => c.Number).ToList());
        // A user sees only the chats it may read: a page may then hold fewer than limit, and next still leads on.
        var items = page.Items.Where(c => Access.MayRead(request.Caller, members[c.Number]))
            .Select(c => new KnownChat(c, null, counts.GetValueOrDefault(c.Number)).ToResponse(members[c.Number].Ids, ChatResponse.MembersInLists)).ToList();
        return TypedResults.Ok(new Page<ChatResponse>(items, page.Next is { } next ? $"/applications/{app.Token}/chats?limit={take}&after={next.LastKey}" : null));
    }

    private static string Location(KnownApplication app, int number) => $"/applications/{app.Token}/chats/{number}";
}
