using System.Text.Json.Serialization;

namespace Chat.Domain.Webhooks;

/// <summary>What travels on <c>chat.webhooks</c> (docs/decisions/0016). Internal ids stay inside the broker.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(Committed), "committed")]
[JsonDerivedType(typeof(Delivery), "delivery")]
[JsonDerivedType(typeof(Replay), "replay")]
public abstract record WebhookWork
{
    /// <summary>Feed positions a batch committed, per application: the worker fans them out to the webhooks that want them.</summary>
    public sealed record Committed(Dictionary<long, long[]> Positions) : WebhookWork;

    /// <summary>
    /// One event for one webhook. <see cref="Body"/> is fixed at the first attempt, so every retry sends the same bytes under
    /// the same <c>webhook-id</c>; <see cref="Attempt"/> counts the attempts made before this one.
    /// </summary>
    public sealed record Delivery(long ApplicationId, string Webhook, long Seq, string Type, string Body, int Attempt, DateTime FirstAttemptAt)
        : WebhookWork;

    /// <summary>Re-deliver to one webhook the persisted events after <see cref="AfterSeq"/> up to <see cref="UntilSeq"/>, a page at a time.</summary>
    public sealed record Replay(long ApplicationId, string Webhook, long AfterSeq, long UntilSeq) : WebhookWork;
}
