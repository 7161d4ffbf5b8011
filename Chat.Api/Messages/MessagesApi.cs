using System.Text.Json;
using Chat.Api.Applications;
using Chat.Api.Chats;
using Chat.Api.Errors;
using Chat.Api.Members;
using Chat.Api.Realtime;
using Chat.Domain.Members;
using Chat.Domain.Messages;
using Chat.Domain.Messaging;
using Chat.Domain.Numbers;
using Chat.Domain.Redis;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;
using Microsoft.Extensions.Options;

namespace Chat.Api.Messages;

public static class MessagesApi
{
    public static IHostApplicationBuilder AddMessages(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<IdempotencyKeys>();
        builder.Services.AddSingleton<MessageHistory>();
        return builder;
    }

    public static void MapMessages(this IEndpointRouteBuilder app)
    {
        var messages = app.MapGroup("/applications/{token}/chats/{chat:int}/messages").WithTags("Messages");
        messages.MapPost("/", Create).WithName("CreateMessage").WithSummary("Send a message; its number comes back");
        messages.MapGet("/", MessageHistory.List).WithName("ListMessages")
            .WithSummary("History: newest first (before=), or oldest first with after=; from/to bound created_at");
        messages.MapGet("/{number:int}", Get).WithName("GetMessage");
        messages.MapPatch("/{number:int}", Edit).WithName("UpdateMessage");
        messages.MapPut("/{number:int}", Edit).WithName("ReplaceMessage");
        messages.MapDelete("/{number:int}", Delete).WithName("DeleteMessage");
    }

    private static async Task<IResult> Create(string token, int chat, MessageRequest request,
        [FromHeader(Name = IdempotencyKeys.Header)] string? idempotencyKey,
        ApplicationDirectory applications, ChatDirectory chats, NumberAllocator numbers, Acceptance acceptance,
        IdempotencyKeys idempotency, IOptions<JsonOptions> json, ChatEvents events, CancellationToken ct)
    {
        if (await applications.FindAsync(token) is not { } app || await chats.FindAsync(app, chat) is null)
            return TypedResults.NotFound();
        var validation = Validate(request, out var body, out var sender);
        if (!validation.IsValid) return validation.Problem();

        IdempotencyKeys.Proceed? started = null;
        if (idempotencyKey is not null)
        {
            if (!IdempotencyKeys.IsValid(idempotencyKey))
                return TypedResults.Problem(statusCode: 400, title: "Bad Idempotency-Key",
                    detail: $"The key must be 1 to {IdempotencyKeys.MaxLength} printable ASCII characters.");
            var fingerprint = JsonSerializer.Serialize(new { body, sender, request.SentAt });
            switch (await idempotency.BeginAsync(app.Id, chat, idempotencyKey, fingerprint, ct))
            {
                case IdempotencyKeys.Replay replay:
                    var original = JsonSerializer.Deserialize<MessageResponse>(replay.ResponseJson, json.Value.SerializerOptions)!;
                    return TypedResults.Created(Location(token, chat, original.Number), original);
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
            var number = await numbers.NextAsync(RedisKeys.MessageNumbers(app.Id, chat), NumberAllocator.MessageScope(app.Id, chat), ct);
            var now = ApplicationsApi.UtcNow();
            var message = new MessageState(app.Id, chat, number, Guid.NewGuid(), body!, sender, request.SentAt?.ToUniversalTime(), now, now, null);
            await acceptance.AcceptAsync(Change.Created, message, ct);
            var response = message.ToResponse();
            if (started is not null)
                await idempotency.CompleteAsync(started, JsonSerializer.Serialize(response, json.Value.SerializerOptions));
            await events.MessageCreatedAsync(app.Id, chat, response);
            return TypedResults.Created(Location(token, chat, number), response);
        }
        catch when (started is not null)
        {
            await idempotency.AbandonAsync(started);
            throw;
        }
    }

    private static async Task<Results<Ok<MessageResponse>, NotFound>> Get(string token, int chat, int number,
        ApplicationDirectory applications, ChatDirectory chats, MessageHistory history, MemberDirectory members) =>
        await history.FindAsync(applications, chats, token, chat, number) is { } found
            ? TypedResults.Ok(found.Message.ToResponse(await members.StatusOfAsync(found.Message)))
            : TypedResults.NotFound();

    private static async Task<Results<Ok<MessageResponse>, NotFound, ProblemHttpResult>> Edit(string token, int chat, int number,
        MessageRequest request, ApplicationDirectory applications, ChatDirectory chats, MessageHistory history, Acceptance acceptance,
        MemberDirectory members, ChatEvents events, CancellationToken ct)
    {
        if (await history.FindAsync(applications, chats, token, chat, number) is not { } found) return TypedResults.NotFound();
        var validation = new Validation();
        var body = Body(validation, request.Body);
        if (!validation.IsValid) return validation.Problem();

        var edited = found.Message with { Body = body!, UpdatedAt = Acceptance.NextVersion(found.Message.UpdatedAt) };
        await acceptance.AcceptAsync(Change.Updated, edited, ct);
        var response = edited.ToResponse(await members.StatusOfAsync(edited));
        await events.MessageUpdatedAsync(found.App.Id, chat, response);
        return TypedResults.Ok(response);
    }

    private static async Task<Results<NoContent, NotFound>> Delete(string token, int chat, int number,
        ApplicationDirectory applications, ChatDirectory chats, MessageHistory history, Acceptance acceptance, ChatEvents events,
        CancellationToken ct)
    {
        if (await history.FindAsync(applications, chats, token, chat, number) is not { } found) return TypedResults.NotFound();
        var now = Acceptance.NextVersion(found.Message.UpdatedAt);
        await acceptance.AcceptAsync(Change.Deleted, found.Message with { UpdatedAt = now, DeletedAt = now }, ct);
        await events.MessageDeletedAsync(found.App.Id, chat, number);
        return TypedResults.NoContent();
    }

    private static Validation Validate(MessageRequest request, out string? body, out string? sender)
    {
        var validation = new Validation();
        body = Body(validation, request.Body);
        sender = validation.Text("sender", request.Sender, 1, ChatMemberRowConfiguration.MaxUserIdLength, required: false);
        return validation;
    }

    /// <summary>Kept as sent (leading spaces may matter, e.g. code), but never blank.</summary>
    private static string? Body(Validation validation, string? body)
    {
        if (string.IsNullOrWhiteSpace(body)) validation.Add("body", "is required and must not be blank.");
        else if (body.Length > MessageRowConfiguration.MaxBodyLength)
            validation.Add("body", $"must have at most {MessageRowConfiguration.MaxBodyLength} characters.");
        return body;
    }

    private static string Location(string token, int chat, int number) => $"/applications/{token}/chats/{chat}/messages/{number}";
}
