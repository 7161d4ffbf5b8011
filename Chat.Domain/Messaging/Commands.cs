using System.Text.Json.Serialization;

namespace Chat.Domain.Messaging;

/// <summary>
/// What the API asks the worker to persist. Each command carries the whole resulting state of one chat or
/// message, so the worker can apply commands in any order and any number of times: the state with the
/// latest <c>UpdatedAt</c> wins and a deletion is final.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(ChatChanged), "chat")]
[JsonDerivedType(typeof(MessageChanged), "message")]
[JsonDerivedType(typeof(ApplicationDeleted), "application-deleted")]
public abstract record Command(Guid CommandId);

public enum Change { Created, Updated, Deleted }

public sealed record ChatChanged(Guid CommandId, Change Change, ChatState Chat) : Command(CommandId);

public sealed record MessageChanged(Guid CommandId, Change Change, MessageState Message) : Command(CommandId);

/// <summary>The application row is already marked deleted; the worker purges its chats, messages and documents.</summary>
public sealed record ApplicationDeleted(Guid CommandId, long ApplicationId) : Command(CommandId);

/// <param name="Uid">Fixed when the chat is accepted; a different uid under the same number is a collision.</param>
public sealed record ChatState(
    long ApplicationId, int Number, Guid Uid, string? Name,
    DateTime CreatedAt, DateTime UpdatedAt, DateTime? DeletedAt);

public sealed record MessageState(
    long ApplicationId, int ChatNumber, int Number, Guid Uid, string Body, string? Sender, DateTime? SentAt,
    DateTime CreatedAt, DateTime UpdatedAt, DateTime? DeletedAt);
