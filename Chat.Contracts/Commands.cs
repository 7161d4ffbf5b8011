using System.Text.Json;
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
[JsonDerivedType(typeof(FeedEventsRecorded), "feed-events")]
[JsonDerivedType(typeof(ReactionsChanged), "reactions")]
public abstract record Command(Guid CommandId)
{
    /// <summary>The change-feed entries of the states this command carries (docs/decisions/0015), written with them.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<FeedEvent>? Events { get; init; }
}

public enum Change { Created, Updated, Deleted }

/// <param name="Members">A chat created with members carries them, so the chat and its members are accepted together.</param>
public sealed record ChatChanged(Guid CommandId, Change Change, ChatState Chat, IReadOnlyList<MemberState>? Members = null) : Command(CommandId);

/// <param name="Members">A new message carries its sender's cursors moved past it (own messages are never unread), so
/// the message and the cursors are accepted and persisted together.</param>
public sealed record MessageChanged(Guid CommandId, Change Change, MessageState Message, IReadOnlyList<MemberState>? Members = null) : Command(CommandId);

/// <summary>New states of members of one chat: added, removed, or their receipt cursors moved.</summary>
public sealed record MembersChanged(Guid CommandId, long ApplicationId, int ChatNumber, IReadOnlyList<MemberState> Members) : Command(CommandId);

/// <summary>New states of reactions to messages of one chat: added or removed.</summary>
public sealed record ReactionsChanged(Guid CommandId, long ApplicationId, int ChatNumber, IReadOnlyList<ReactionState> Reactions) : Command(CommandId);

/// <summary>Change-feed entries alone: re-published by the outbox sweeper, or a void that replaces a refused change's entry.</summary>
public sealed record FeedEventsRecorded(Guid CommandId) : Command(CommandId);

/// <summary>The application row is already marked deleted; the worker purges its chats, messages and documents.</summary>
public sealed record ApplicationDeleted(Guid CommandId, long ApplicationId) : Command(CommandId);

/// <param name="Uid">Fixed when the chat is accepted; a different uid under the same number is a collision.</param>
/// <param name="DistinctKey">For a "distinct" chat: the hash of its member set (see <c>Members.DistinctChats</c>).</param>
public sealed record ChatState(
    long ApplicationId, int Number, Guid Uid, string? Name,
    DateTime CreatedAt, DateTime UpdatedAt, DateTime? DeletedAt, string? DistinctKey = null, string? Metadata = null);

/// <param name="ReplyTo">The number of the message of the same chat this one replies to; fixed at creation.</param>
/// <param name="Metadata">The client's JSON object, as its text was given (never interpreted).</param>
/// <param name="Mentions">Members of the chat the message mentions; fixed at creation.</param>
public sealed record MessageState(
    long ApplicationId, int ChatNumber, int Number, Guid Uid, string Body, string? Sender, DateTime? SentAt,
    DateTime CreatedAt, DateTime UpdatedAt, DateTime? DeletedAt, int? ReplyTo = null, string? Metadata = null,
    IReadOnlyList<string>? Mentions = null);

/// <summary>
/// One user in one chat. Membership (<c>JoinedAt</c>, <c>LeftAt</c>) is last-writer-wins on <c>UpdatedAt</c>, so a
/// user can leave and come back; the receipt cursors only grow (the greatest ever reported wins), whatever the
/// order in which states arrive.
/// </summary>
/// <param name="RevisedAt">When the state last changed without a change of membership (a receipt): it orders the
/// member's accepted states without making a receipt newer membership. Not stored in MySQL.</param>
public sealed record MemberState(
    string UserId, DateTime JoinedAt, DateTime UpdatedAt, DateTime? LeftAt, int DeliveredUpTo, int ReadUpTo, DateTime? RevisedAt = null);

/// <summary>
/// One user's reaction to one message: last writer wins on <c>UpdatedAt</c>; a removal is not final (the user may react
/// again). Adding a reaction the user already has is one reaction.
/// </summary>
public sealed record ReactionState(int Number, string UserId, string Reaction, DateTime UpdatedAt, DateTime? RemovedAt);

/// <summary>
/// One entry of an application's change feed (docs/decisions/0015): the change of one thing, at its position
/// <paramref name="Seq"/> (dense per application, assigned when the change was accepted).
/// </summary>
/// <param name="Type">chat.created|updated|deleted, message.created|updated|deleted, member.added|removed, receipt.updated;
/// <c>void</c> for a position whose change the broker refused.</param>
/// <param name="At">When the change was accepted (its version).</param>
/// <param name="Number">The message number, for message events.</param>
/// <param name="User">The member's user id, for member and receipt events.</param>
/// <param name="State">The thing's whole state after the change, as its command carries it (null for a void).</param>
/// <param name="UpdatedAt">The entry's own version: a void is newer than the entry it replaces.</param>
public sealed record FeedEvent(long ApplicationId, long Seq, string Type, DateTime At, int ChatNumber, int? Number, string? User,
    JsonElement? State, DateTime UpdatedAt)
{
    public const string Void = "void";
}
