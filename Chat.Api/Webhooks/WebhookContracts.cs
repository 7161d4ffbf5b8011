using System.Text.Json.Serialization;
using Chat.Domain.Webhooks;

namespace Chat.Api.Webhooks;

/// <param name="Events">Event types (<c>message.created</c>, …) or <c>["*"]</c> for all.</param>
public sealed record WebhookRequest(string? Url, string[]? Events);

/// <param name="SigningSecret">Only in the answer to creation (<c>whsec_…</c>): never shown again.</param>
/// <param name="DisabledAt">Set when the receiver answered 410 Gone: nothing is delivered to it any more.</param>
public sealed record WebhookResponse(string Id, string Url, string[] Events, DateTime CreatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTime? DisabledAt = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? DisabledReason = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? SigningSecret = null)
{
    public static WebhookResponse Of(WebhookRow row, string? secret = null) =>
        new(row.Id, row.Url, row.Events, row.CreatedAt, row.DisabledAt, row.DisabledReason, secret);
}

public sealed record WebhookListResponse(IReadOnlyList<WebhookResponse> Data);

/// <param name="Status"><c>delivered</c>, <c>retrying</c> (see <c>next_attempt_at</c>) or <c>failed</c> (gave up, or the webhook was disabled).</param>
/// <param name="LastStatus">The receiver's last HTTP status; null when it did not answer.</param>
public sealed record DeliveryResponse(long Seq, string Type, string Status, int Attempts, int? LastStatus, string? LastError,
    DateTime FirstAttemptAt, DateTime LastAttemptAt, DateTime? NextAttemptAt)
{
    public static DeliveryResponse Of(DeliveryRow r) =>
        new(r.Seq, r.Type, r.Status, r.Attempts, r.LastStatus, r.LastError, r.FirstAttemptAt, r.LastAttemptAt, r.NextAttemptAt);
}

/// <param name="Next">The next page; null when this one was the last.</param>
public sealed record DeliveryPageResponse(IReadOnlyList<DeliveryResponse> Data, string? Next);

public sealed record ReplayRequest(long? AfterSeq);

/// <param name="UntilSeq">The last persisted position when the replay was asked for; later events are delivered anyway.</param>
public sealed record ReplayResponse(string Webhook, long AfterSeq, long UntilSeq);
