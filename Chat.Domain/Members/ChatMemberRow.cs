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
    /// <summary>The time of the membership state (last writer wins); cursors move without changing it.</summary>
    public DateTime UpdatedAt { get; set; }
    /// <summary>Set when the user was removed; the row stays, so a late "added" state cannot bring them back.</summary>
    public DateTime? LeftAt { get; set; }
}
