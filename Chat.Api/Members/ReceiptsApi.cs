using Chat.Api.Applications;
using Chat.Api.Chats;
using Chat.Api.Errors;
using Chat.Api.Messages;
using Chat.Api.Realtime;
using Chat.Domain.Members;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Chat.Api.Members;

/// <summary>
/// Delivery and read receipts as per-member cursors: a member reports the highest message number it has received
/// and read; cursors only move forward and read implies delivered. A message's status follows from the cursors of
/// every member other than its sender (docs/decisions/0007).
/// </summary>
public static class ReceiptsApi
{
    public static void MapReceipts(this IEndpointRouteBuilder app)
    {
        var chat = app.MapGroup("/applications/{token}/chats/{chat:int}").WithTags("Receipts");
        chat.MapPost("/receipts", Report).WithName("ReportReceipt")
            .WithSummary("A member's delivered/read cursors; only move forward; read implies delivered");
        chat.MapGet("/messages/{number:int}/receipts", OfMessage).WithName("GetMessageReceipts")
            .WithSummary("A message's status and each recipient's");
    }

    private static async Task<Results<Ok<MemberResponse>, NotFound, ProblemHttpResult>> Report(string token, int chat,
        ReceiptRequest request, ApplicationDirectory applications, ChatDirectory chats, MemberDirectory members,
        MemberWrites writes, LastMessageNumbers lastNumbers, ChatEvents events, CancellationToken ct)
    {
        if (await MembersApi.FindChatAsync(applications, chats, token, chat) is not ({ } app, { } known)) return TypedResults.NotFound();
        var validation = new Validation();
        var user = validation.Text("user", request.User, 1, ChatMemberRowConfiguration.MaxUserIdLength);
        if (request.DeliveredUpTo is null && request.ReadUpTo is null)
            validation.Add("read_up_to", "delivered_up_to or read_up_to is required.");
        if (request.DeliveredUpTo is < 0) validation.Add("delivered_up_to", "must be a message number (0 or more).");
        if (request.ReadUpTo is < 0) validation.Add("read_up_to", "must be a message number (0 or more).");
        if (!validation.IsValid) return validation.Problem();

        if ((await members.RosterAsync(app.Id, chat)).Find(user!) is not { } member)
            return validation.Add("user", "is not a member of this chat.").Problem();
        var last = await lastNumbers.OfAsync(app, known);
        if (request.DeliveredUpTo > last) validation.Add("delivered_up_to", $"must not be beyond the chat's last message ({last}).");
        if (request.ReadUpTo > last) validation.Add("read_up_to", $"must not be beyond the chat's last message ({last}).");
        if (!validation.IsValid) return validation.Problem();

        var reported = await writes.ReportAsync(app.Id, chat, member, request.DeliveredUpTo ?? 0, request.ReadUpTo ?? 0, ct);
        if (reported.DeliveredUpTo > member.DeliveredUpTo || reported.ReadUpTo > member.ReadUpTo)
            await events.ReceiptUpdatedAsync(app.Id, chat, reported);
        return TypedResults.Ok(Roster.ToResponse(reported, last));
    }

    private static async Task<Results<Ok<MessageReceiptsResponse>, NotFound>> OfMessage(string token, int chat, int number,
        ApplicationDirectory applications, ChatDirectory chats, MessageHistory history, MemberDirectory members)
    {
        if (await history.FindAsync(applications, chats, token, chat, number) is not { } found) return TypedResults.NotFound();
        var roster = await members.RosterAsync(found.App.Id, chat);
        var sender = found.Message.Sender;
        return TypedResults.Ok(new MessageReceiptsResponse(number, roster.StatusOf(number, sender), roster.RecipientsOf(number, sender)));
    }
}
