using System.Text.Json;
using System.Text.Json.Serialization;
using Chat.Contracts;
using Chat.Domain.Webhooks;

namespace Chat.Worker.Webhooks;

/// <summary>
/// The body of a delivery (API.md "Webhooks"): <c>{id, seq, type, at, application, chat, number?, user?, data}</c>, where
/// <c>data</c> is the thing after the change in public fields only (no internal ids), null when it was deleted.
/// </summary>
public sealed record WebhookPayload(string Id, long Seq, string Type, DateTime At, string Application, int Chat,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Number,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? User,
    object? Data)
{
    private static readonly JsonSerializerOptions Json = new(CommandJson.Options) { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    /// <summary>The <c>webhook-id</c> of one event for one webhook: the same on every attempt and every replay, so a receiver drops duplicates by it (or by seq).</summary>
    public static string MessageId(string webhook, long seq) => $"msg_{webhook["wh_".Length..]}_{seq}";

    public static string Body(string webhook, string applicationToken, FeedRow e) =>
        JsonSerializer.Serialize(new WebhookPayload(MessageId(webhook, e.Seq), e.Seq, e.Type, e.At, applicationToken, e.ChatNumber, e.Number, e.User,
            DataOf(e)), Json);

    private static object? DataOf(FeedRow e)
    {
        if (e.State is not { } state || e.Type.EndsWith(".deleted", StringComparison.Ordinal)) return null;
        switch (e.Type.Split('.')[0])
        {
            case "message":
                var m = state.Deserialize<MessageState>(CommandJson.Options)!;
                return new { m.Number, Chat = m.ChatNumber, m.Body, m.Sender, m.SentAt, m.CreatedAt, m.UpdatedAt };
            case "chat":
                var c = state.Deserialize<ChatState>(CommandJson.Options)!;
                return new { c.Number, c.Name, c.CreatedAt, c.UpdatedAt };
            case "reaction":
                var r = state.Deserialize<ReactionState>(CommandJson.Options)!;
                return new { r.Number, User = r.UserId, r.Reaction, Active = r.RemovedAt is null, r.UpdatedAt };
            default:
                var u = state.Deserialize<MemberState>(CommandJson.Options)!;
                return new { User = u.UserId, u.JoinedAt, u.LeftAt, u.DeliveredUpTo, u.ReadUpTo, u.UpdatedAt };
        }
    }
}
