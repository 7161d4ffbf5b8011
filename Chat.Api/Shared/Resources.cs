using System.Text.Json.Serialization;
using Chat.Contracts;

namespace Chat.Api.Shared;

/// <summary>What every request under <c>/applications/{token}</c> needs to know about its application; cached in Redis.</summary>
public sealed record KnownApplication(long Id, string Token, string Name, int ChatsCount, DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>
/// A chat as the API knows it: its latest state, and its row id and counts once the worker has persisted it
/// (<see cref="RowId"/> is null while the chat exists only as an accepted command).
/// </summary>
public sealed record KnownChat(ChatState State, long? RowId, int MessagesCount)
{
    public ChatResponse ToResponse(IReadOnlyList<string>? members = null) =>
        new(State.Number, State.Name, MessagesCount, State.CreatedAt, State.UpdatedAt, members is { Count: > 0 } ? members : null);
}

/// <param name="Members">Current member ids, ordered; omitted when the chat has none.</param>
public sealed record ChatResponse(int Number, string? Name, int MessagesCount, DateTime CreatedAt, DateTime UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Members = null);

/// <summary>A message as every representation shows it: GET, history, events.</summary>
public sealed record MessageResponse(
    int Number, string Body, string? Sender, DateTime? SentAt, string Status, DateTime CreatedAt, DateTime UpdatedAt);

/// <param name="UnreadCount">Messages after <paramref name="ReadUpTo"/>: the chat's last message number minus the cursor.</param>
public sealed record MemberResponse(string User, DateTime JoinedAt, int DeliveredUpTo, int ReadUpTo, int UnreadCount)
{
    public static MemberResponse Of(MemberState member, int lastNumber) =>
        new(member.UserId, member.JoinedAt, member.DeliveredUpTo, member.ReadUpTo, Unread(member, lastNumber));

    /// <summary>Messages after the member's read cursor, given the chat's last message number.</summary>
    public static int Unread(MemberState member, int lastNumber) => Math.Max(0, lastNumber - member.ReadUpTo);
}

/// <summary>A page of a list endpoint: <c>next</c> is the relative URL of the following page, or null.</summary>
public sealed record Page<T>(IReadOnlyList<T> Data, string? Next);

public static class Representations
{
    public static MessageResponse ToResponse(this MessageState m, string status) =>
        new(m.Number, m.Body, m.Sender, m.SentAt, status, m.CreatedAt, m.UpdatedAt);
}
