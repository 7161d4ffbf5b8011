using Chat.Api.Shared;
using Chat.Api.Shared.Identity;
using Chat.Contracts;
using Chat.Domain.Pipeline;
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
        var chat = app.MapChatGroup().WithTags("Receipts");
        chat.MapPost("/receipts", Report).WithName("ReportReceipt")
            .WithSummary("A member's delivered/read cursors; only move forward; read implies delivered");
        chat.MapGet("/messages/{number:int}/receipts", OfMessage).WithName("GetMessageReceipts")
            .WithSummary("A message's status and each recipient's");
    }

    private static async Task<Results<Ok<MemberResponse>, ProblemHttpResult>> Report(RequestContext request, ReceiptRequest body,
        [AsParameters] MembersApi.Services services, IChatEvents events, CancellationToken ct)
    {
        var validation = new Validation();
        // A user token reports for its own user, which it need not name.
        var named = validation.Text("user", body.User, 1, Limits.MaxUserIdLength, required: !request.Caller.IsUser);
        if (body.DeliveredUpTo is null && body.ReadUpTo is null)
            validation.Add("read_up_to", "delivered_up_to or read_up_to is required.");
        if (body.DeliveredUpTo is < 0) validation.Add("delivered_up_to", "must be a message number (0 or more).");
        if (body.ReadUpTo is < 0) validation.Add("read_up_to", "must be a message number (0 or more).");
        if (!validation.IsValid) return validation.Problem();
        if (!request.TryActFor(named, out var user)) return Access.Forbidden("A user token reports receipts only for its own user.");

        if ((await request.RosterAsync(services.Rosters)).Find(user!) is not { } member)
            return validation.Add("user", "is not a member of this chat.").Problem();
        var last = await services.LastNumbers.OfAsync(request.App, request.Chat);
        if (body.DeliveredUpTo > last) validation.Add("delivered_up_to", $"must not be beyond the chat's last message ({last}).");
        if (body.ReadUpTo > last) validation.Add("read_up_to", $"must not be beyond the chat's last message ({last}).");
        if (!validation.IsValid) return validation.Problem();

        // Cursors only move forward, and read implies delivered. A report that moves nothing writes nothing.
        var read = Math.Max(member.ReadUpTo, body.ReadUpTo ?? 0);
        var delivered = Math.Max(Math.Max(member.DeliveredUpTo, body.DeliveredUpTo ?? 0), read);
        if (read == member.ReadUpTo && delivered == member.DeliveredUpTo)
            return TypedResults.Ok(MemberResponse.Of(member, await services.Unread.OfAsync(request.App, request.Chat, member, ct)));

        var reported = member with { DeliveredUpTo = delivered, ReadUpTo = read, RevisedAt = services.Versions.After(Kinds.Member.VersionOf(member)) };
        var accepted = (await services.Acceptance.AcceptAsync([Kinds.Member.Write(Kinds.ChatScope(request.Chat.State), reported, basedOn: member)], ct))
            .Single();
        var now = accepted.StateAs<MemberState>();
        await events.ReceiptUpdatedAsync(request.App.Id, request.ChatNumber, accepted.Seq, now);
        return TypedResults.Ok(MemberResponse.Of(now, await services.Unread.OfAsync(request.App, request.Chat, now, ct)));
    }

    private static async Task<Results<Ok<MessageReceiptsResponse>, NotFound>> OfMessage(RequestContext request, int number,
        MessageReader reader, Rosters rosters)
    {
        if (await reader.FindAsync(request.App, request.Chat, number) is not { } message) return TypedResults.NotFound();
        var roster = await request.RosterAsync(rosters);
        return TypedResults.Ok(new MessageReceiptsResponse(number, roster.StatusOf(number, message.Sender),
            roster.RecipientsOf(number, message.Sender).Select(r => new RecipientStatus(r.User, r.Status)).ToList()));
    }
}
