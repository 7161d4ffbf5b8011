namespace Chat.Domain.Messages;

/// <summary>
/// A message, keyed by (chat, number). Written only by the worker with last-writer-wins on
/// <see cref="UpdatedAt"/>; <see cref="DeletedAt"/> is a sticky tombstone, so commands may arrive in any order.
/// </summary>
public sealed class MessageRow
{
    public long ChatId { get; set; }
    public int Number { get; set; }
    public Guid Uid { get; set; }
    public required string Body { get; set; }
    public string? Sender { get; set; }
    public DateTime? SentAt { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? DeletedAt { get; set; }
    /// <summary>The message of the same chat this one replies to (its number); fixed at creation.</summary>
    public int? ReplyTo { get; set; }
    /// <summary>The client's JSON object as given; stored as text, never interpreted or indexed.</summary>
    public string? Metadata { get; set; }
    /// <summary>The mentioned user ids, a JSON array (the per-user index is <c>message_mentions</c>).</summary>
    public string? Mentions { get; set; }
}
