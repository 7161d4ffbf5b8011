using System.Text.Json.Serialization;

namespace Chat.Contracts;

/// <summary>
/// What the API asks the worker to persist. Each command carries the whole resulting state of one chat or
/// message, so the worker can apply commands in any order and any number of times: the state with the
/// latest <c>UpdatedAt</c> wins and a deletion is final.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(ChatChanged), "chat")]
[JsonDerivedType(typeof(MessageChanged), "message")]
[JsonDerivedType(typeof(ApplicationDeleted), "application-deleted")]
[JsonDerivedType(typeof(MembersChanged), "members")]
public abstract record Command(Guid CommandId);

public enum Change { Created, Updated, Deleted }

/// <param name="Members">A chat created with members carries them, so the chat and its members are accepted together.</param>
public sealed record ChatChanged(Guid CommandId, Change Change, ChatState Chat, IReadOnlyList<MemberState>? Members = null) : Command(CommandId);

public sealed record MessageChanged(Guid CommandId, Change Change, MessageState Message) : Command(CommandId);

/// <summary>New states of members of one chat: added, removed, or their receipt cursors moved.</summary>
public sealed record MembersChanged(Guid CommandId, long ApplicationId, int ChatNumber, IReadOnlyList<MemberState> Members) : Command(CommandId);

/// <summary>The application row is already marked deleted; the worker purges its chats, messages and documents.</summary>
public sealed record ApplicationDeleted(Guid CommandId, long ApplicationId) : Command(CommandId);

/// <param name="Uid">Fixed when the chat is accepted; a different uid under the same number is a collision.</param>
/// <param name="DistinctKey">For a "distinct" chat: the hash of its member set (see <c>Members.DistinctChats</c>).</param>
public sealed record ChatState(
    long ApplicationId, int Number, Guid Uid, string? Name,
    DateTime CreatedAt, DateTime UpdatedAt, DateTime? DeletedAt, string? DistinctKey = null);

public sealed record MessageState(
    long ApplicationId, int ChatNumber, int Number, Guid Uid, string Body, string? Sender, DateTime? SentAt,
    DateTime CreatedAt, DateTime UpdatedAt, DateTime? DeletedAt);

/// <summary>
/// One user in one chat. Membership (<c>JoinedAt</c>, <c>LeftAt</c>) is last-writer-wins on <c>UpdatedAt</c>, so a
/// user can leave and come back; the receipt cursors only grow (the greatest ever reported wins), whatever the
/// order in which states arrive.
/// </summary>
/// <param name="RevisedAt">When the state last changed without a change of membership (a receipt): it orders the
/// member's accepted states without making a receipt newer membership. Not stored in MySQL.</param>
public sealed record MemberState(
    string UserId, DateTime JoinedAt, DateTime UpdatedAt, DateTime? LeftAt, int DeliveredUpTo, int ReadUpTo, DateTime? RevisedAt = null);
