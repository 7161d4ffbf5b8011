using System.Text.Json;
using Chat.Api.Shared;
using Chat.Api.Shared.Identity;
using Chat.Contracts;
using Chat.Domain.Numbers;
using Chat.Domain.Pipeline;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Chat.Api.Messages;

/// <summary>Messages are written through the pipeline (docs/decisions/0010) and read merged over what is pending.</summary>
public static class MessagesApi
{
    public static IHostApplicationBuilder AddMessages(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IdempotencyKeys>();
        return builder;
    }

    public static void MapMessages(this IEndpointRouteBuilder app)
    {
        var messages = app.MapChatGroup("/messages").WithTags("Messages");
        messages.MapPost("/", Create).Produces<MessageResponse>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status409Conflict).WithName("CreateMessage").WithSummary("Send a message; its number comes back");
        messages.MapGet("/", List).Produces<Page<MessageResponse>>().WithName("ListMessages")
            .WithSummary("History: newest first (before=), or oldest first with after=; from/to bound created_at");
        messages.MapGet("/{number:int}", Get).WithName("GetMessage");
        messages.MapPatch("/{number:int}", Edit).WithName("UpdateMessage");
        messages.MapPut("/{number:int}", Edit).WithName("ReplaceMessage");
        messages.MapDelete("/{number:int}", Delete).WithName("DeleteMessage");
        messages.MapGet("/{number:int}/history", History).WithName("GetMessageHistory")
            .WithSummary("Every version of the message, oldest first, from the change feed");
    }

    /// <summary>The services the message handlers share.</summary>
    private readonly record struct Services(Acceptance Acceptance, Versions Versions, MessageReader Reader, Rosters Rosters, IChatEvents Events,
        MessageDetails Details);

    private static async Task<IResult> Create(RequestContext request, MessageRequest body,
        [FromHeader(Name = IdempotencyKeys.Header)] string? idempotencyKey, [AsParameters] Services services,
        [AsParameters] CreateServices create, CancellationToken ct)
    {
        var validation = new Validation();
        var text = Body(validation, body.Body);
        var named = validation.Text("sender", body.Sender, 1, Limits.MaxUserIdLength, required: false);
        if (body.ReplyTo is { } replyTo && (replyTo < 1 || await services.Reader.FindAsync(request.App, request.Chat, replyTo) is null))
            validation.Add("reply_to", "must be the number of a live message of this chat.");
        var metadata = validation.Metadata("metadata", body.Metadata);
        var mentions = UserIds.List(validation, "mentions", body.Mentions, required: false);
        if (mentions.Count > 0 && (await request.RosterAsync(services.Rosters)) is var roster
                               && mentions.FirstOrDefault(m => roster.Find(m) is null) is { } stranger)
            validation.Add("mentions", $"{stranger} is not a member of this chat.");
        if (!validation.IsValid) return validation.Problem();
        if (!request.TryActFor(named, out var sender)) return Access.Forbidden("A user token sends only as its own user.");
        var (app, chat) = (request.App, request.ChatNumber);

        IdempotencyKeys.Proceed? started = null;
        if (idempotencyKey is not null)
        {
            if (!IdempotencyKeys.IsValid(idempotencyKey))
                return TypedResults.Problem(statusCode: 400, title: "Bad Idempotency-Key",
                    detail: $"The key must be 1 to {IdempotencyKeys.MaxLength} printable ASCII characters.");
            var fingerprint = JsonSerializer.Serialize(new { body = text, sender, body.SentAt, body.ReplyTo, mentions, metadata });
            switch (await create.Idempotency.BeginAsync(app.Id, chat, idempotencyKey, fingerprint, ct))
            {
                case IdempotencyKeys.Replay replay:
                    var original = JsonSerializer.Deserialize<MessageResponse>(replay.ResponseJson, create.Json.Value.SerializerOptions)!;
                    return TypedResults.Created(Location(request, original.Number), original);
                case IdempotencyKeys.Mismatch:
                    return TypedResults.Problem(statusCode: 422, title: "Idempotency-Key reused",
                        detail: "This key was already used with a different request.");
                case IdempotencyKeys.StillRunning:
                    return TypedResults.Problem(statusCode: 409, title: "Request in progress",
                        detail: "A request with this Idempotency-Key is still being processed; retry shortly.");
                case IdempotencyKeys.Proceed proceed:
                    started = proceed;
                    break;
            }
        }

        try
        {
            var number = await create.Numbers.NextMessageAsync(app.Id, chat, ct);
            var now = services.Versions.Now();
            var message = new MessageState(app.Id, chat, number, Guid.NewGuid(), text!, sender, body.SentAt?.ToUniversalTime(), now, now, null,
                body.ReplyTo, metadata, mentions.Count > 0 ? mentions : null);
            var senderCursors = await SenderCursorsAsync(request, message, services);
            var accepted = await services.Acceptance.AcceptAsync([Kinds.Message.Write(message), .. senderCursors], ct);
            var response = message.ToResponse(Roster.Sent, MessageExtras.New(request.Caller.IsUser));
            if (started is not null)
                await create.Idempotency.CompleteAsync(started, JsonSerializer.Serialize(response, create.Json.Value.SerializerOptions));
            await services.Events.MessageCreatedAsync(app.Id, chat, accepted.First(w => w.Kind == Kinds.Message).Seq, response);
            foreach (var cursors in accepted.Where(w => w.Kind == Kinds.Member))
                await services.Events.ReceiptUpdatedAsync(app.Id, chat, cursors.Seq, cursors.StateAs<MemberState>());
            return TypedResults.Created(Location(request, number), response);
        }
        catch when (started is not null)
        {
            await create.Idempotency.AbandonAsync(started);
            throw;
        }
    }

    /// <summary>
    /// A member's own message is delivered to and read by them: their cursors move past it in the same command as the
    /// message, so it is never unread, not even for a moment on another replica. A sender who is not a member has no cursors.
    /// While MySQL is away and the roster is not at hand, the message is taken without them: the worker moves them when it
    /// writes the message (SenderCursors); until then the pending message does not count for its sender anyway.
    /// </summary>
    private static async Task<Write[]> SenderCursorsAsync(RequestContext request, MessageState message, Services services)
    {
        if (message.Sender is null) return [];
        Roster roster;
        try
        {
            roster = await request.RosterAsync(services.Rosters);
        }
        catch (Exception e) when (Failures.DatabaseUnavailable(e))
        {
            return [];
        }
        if (roster.Find(message.Sender) is not { } member) return [];
        if (member.ReadUpTo >= message.Number) return [];
        var moved = member with
        {
            ReadUpTo = message.Number, DeliveredUpTo = Math.Max(member.DeliveredUpTo, message.Number),
            RevisedAt = services.Versions.After(Kinds.Member.VersionOf(member)),
        };
        return [Kinds.Member.Write(Kinds.ChatScope(request.Chat.State), moved, basedOn: member)];
    }

    /// <summary>What only creation needs.</summary>
    private readonly record struct CreateServices(NumberAllocator Numbers, IdempotencyKeys Idempotency, IOptions<JsonOptions> Json);

    private static async Task<Results<Ok<MessageResponse>, NotFound>> Get(RequestContext request, int number, [AsParameters] Services services) =>
        await services.Reader.FindAsync(request.App, request.Chat, number) is { } message
            ? TypedResults.Ok(message.ToResponse(await services.Rosters.StatusOfAsync(message),
                await services.Details.OfAsync(request.App, request.Chat, number, request.Caller)))
            : TypedResults.NotFound();

    private static async Task<Results<Ok<MessageResponse>, NotFound, ProblemHttpResult>> Edit(RequestContext request, int number,
        MessageRequest body, [AsParameters] Services services, CancellationToken ct)
    {
        if (await services.Reader.FindAsync(request.App, request.Chat, number) is not { } message) return TypedResults.NotFound();
        if (!request.Caller.MayActFor(message.Sender)) return Access.Forbidden("A user token edits only its own user's messages.");
        var validation = new Validation();
        var text = Body(validation, body.Body);
        var metadata = validation.Metadata("metadata", body.Metadata);
        if (!validation.IsValid) return validation.Problem();

        var edited = message with { Body = text!, Metadata = metadata ?? message.Metadata, UpdatedAt = services.Versions.After(message.UpdatedAt) };
        var accepted = await services.Acceptance.AcceptAsync([Kinds.Message.Write(edited, basedOn: message)], ct);
        var response = edited.ToResponse(await services.Rosters.StatusOfAsync(edited),
            await services.Details.OfAsync(request.App, request.Chat, number, request.Caller, ct));
        await services.Events.MessageUpdatedAsync(request.App.Id, request.ChatNumber, accepted[0].Seq, response);
        return TypedResults.Ok(response);
    }

    private static async Task<Results<NoContent, NotFound, ProblemHttpResult>> Delete(RequestContext request, int number,
        [AsParameters] Services services, CancellationToken ct)
    {
        if (await services.Reader.FindAsync(request.App, request.Chat, number) is not { } message) return TypedResults.NotFound();
        if (!request.Caller.MayActFor(message.Sender)) return Access.Forbidden("A user token deletes only its own user's messages.");
        var now = services.Versions.After(message.UpdatedAt);
        var accepted = await services.Acceptance.AcceptAsync([Kinds.Message.Write(message with { UpdatedAt = now, DeletedAt = now }, basedOn: message)], ct);
        await services.Events.MessageDeletedAsync(request.App.Id, request.ChatNumber, accepted[0].Seq, number);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> List(RequestContext request, [AsParameters] HistoryQuery query, [AsParameters] Services services)
    {
        if (!ListQuery.TryLimit(query.Limit, out var take, out var problem)) return problem!;
        if (query.Before is < 1) return ListQuery.BadQuery("before", "before must be a message number (1 or more).");
        if (query.After is < 0) return ListQuery.BadQuery("after", "after must be a message number (0 or more).");
        if (query.From > query.To) return ListQuery.BadQuery("from", "from must not be later than to.");
        if (query.ReplyTo is < 1) return ListQuery.BadQuery("reply_to", "reply_to must be a message number (1 or more).");

        // Without after: newest first, paging back in time. With after: oldest first, paging forward.
        var descending = query.After is null;
        var range = new NumberRange((query.After ?? 0) + 1, query.Before is { } before ? before - 1 : int.MaxValue, descending);
        var (from, to) = (query.From?.ToUniversalTime(), query.To?.ToUniversalTime());
        var withDeleted = query.IncludeDeleted ?? false;
        var page = await services.Reader.PageAsync(request.App, request.Chat, range, take, new(from, to, query.ReplyTo), withDeleted);
        var roster = await request.RosterAsync(services.Rosters);
        var details = await services.Details.OfAsync(request.App, request.Chat, page.Items.Select(m => m.Number).ToList(), request.Caller);
        var items = page.Items.Select(m => m.ToResponse(roster.StatusOf(m.Number, m.Sender), details[m.Number])).ToList();

        string? nextUrl = null;
        if (page.Next is { } next)
        {
            var parameters = new List<string> { $"limit={take}", descending ? $"before={next.LastKey}" : $"after={next.LastKey}" };
            if (!descending && query.Before is not null) parameters.Add($"before={query.Before}");
            if (from is not null) parameters.Add($"from={Uri.EscapeDataString(from.Value.ToString("O"))}");
            if (to is not null) parameters.Add($"to={Uri.EscapeDataString(to.Value.ToString("O"))}");
            if (withDeleted) parameters.Add("include_deleted=true");
            if (query.ReplyTo is { } replyTo) parameters.Add($"reply_to={replyTo}");
            nextUrl = $"{Location(request)}?{string.Join('&', parameters)}";
        }
        return TypedResults.Ok(new Page<MessageResponse>(items, nextUrl));
    }

    private static async Task<Results<Ok<Page<FeedItem>>, NotFound>> History(RequestContext request, int number, FeedReader feed,
        CancellationToken ct)
    {
        var versions = await feed.OfMessageAsync(request.App.Id, request.ChatNumber, number, ct);
        return versions.Count == 0 ? TypedResults.NotFound() : TypedResults.Ok(new Page<FeedItem>(await feed.RenderAsync(request.App, versions, request.Caller), null));
    }

    /// <summary>The history's query parameters.</summary>
    private readonly record struct HistoryQuery(int? Limit, int? Before, int? After, DateTime? From, DateTime? To,
        [FromQuery(Name = "include_deleted")] bool? IncludeDeleted, [FromQuery(Name = "reply_to")] int? ReplyTo);

    /// <summary>Kept as sent (leading spaces may matter, e.g. code), but never blank.</summary>
    private static string? Body(Validation validation, string? body)
    {
        if (string.IsNullOrWhiteSpace(body)) validation.Add("body", "is required and must not be blank.");
        else if (body.Length > Limits.MaxBodyLength) validation.Add("body", $"must have at most {Limits.MaxBodyLength} characters.");
        return body;
    }

    private static string Location(RequestContext request, int? number = null) =>
        $"/applications/{request.App.Token}/chats/{request.ChatNumber}/messages{(number is null ? "" : $"/{number}")}";
}
