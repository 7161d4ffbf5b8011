using Chat.Contracts;

namespace Chat.Api.Members;

public sealed record AddMembersRequest(IReadOnlyList<string?>? Users);

public sealed record ReceiptRequest(string? User, int? DeliveredUpTo, int? ReadUpTo);

/// <param name="UnreadCount">Messages after <paramref name="ReadUpTo"/>: the chat's last message number minus the cursor.</param>
public sealed record MemberResponse(string User, DateTime JoinedAt, int DeliveredUpTo, int ReadUpTo, int UnreadCount)
{
    public static MemberResponse Of(MemberState member, int lastNumber) =>
        new(member.UserId, member.JoinedAt, member.DeliveredUpTo, member.ReadUpTo, Unread(member, lastNumber));

    /// <summary>Messages after the member's read cursor, given the chat's last message number.</summary>
    public static int Unread(MemberState member, int lastNumber) => Math.Max(0, lastNumber - member.ReadUpTo);
}

/// <summary>A message's status, and each recipient's (every current member but its sender).</summary>
public sealed record MessageReceiptsResponse(int Number, string Status, IReadOnlyList<RecipientStatus> Recipients);

public sealed record RecipientStatus(string User, string Status);

/// <summary>A chat in the list of a user's chats, with that user's cursors.</summary>
public sealed record UserChatResponse(int Number, string? Name, DateTime JoinedAt, int DeliveredUpTo, int ReadUpTo, int UnreadCount);
