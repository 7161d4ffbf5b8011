namespace Chat.Domain.Members;

/// <summary>
/// A user in a chat. Receipts are per-member cursors, not a row per message per recipient:
/// a message's status and a member's unread count are derived from them.
/// </summary>
public sealed class ChatMemberRow
{
    public long ChatId { get; set; }
    public required string UserId { get; set; }
    public int DeliveredUpTo { get; set; }
    public int ReadUpTo { get; set; }
    public DateTime JoinedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
}
