namespace Chat.Api.Members;

public sealed record AddMembersRequest(IReadOnlyList<string?>? Users);

public sealed record ReceiptRequest(string? User, int? DeliveredUpTo, int? ReadUpTo);

/// <summary>A message's status, and each recipient's (every current member but its sender).</summary>
public sealed record MessageReceiptsResponse(int Number, string Status, IReadOnlyList<RecipientStatus> Recipients);

public sealed record RecipientStatus(string User, string Status);

/// <summary>A chat in the list of a user's chats, with that user's cursors.</summary>
public sealed record UserChatResponse(int Number, string? Name, DateTime JoinedAt, int DeliveredUpTo, int ReadUpTo, int UnreadCount,
    int UnreadMentions);

/// <summary>Unread totals over every chat of a user.</summary>
public sealed record UserUnreadResponse(long TotalUnread, int ChatsWithUnread, long UnreadMentions);
