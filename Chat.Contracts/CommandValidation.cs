namespace Chat.Contracts;

/// <summary>
/// What a command must hold before the worker may apply it. JSON that parses is not yet a command: a missing
/// object, number or timestamp would throw inside a batch (and, redelivered, take the whole batch down with it)
/// or write a row no client can ever address. The API never publishes such a command; anything else that
/// reaches the queue is checked here and dead-lettered with the reason.
/// </summary>
public static class CommandValidation
{
    /// <returns>Why the command cannot be applied, or null when it can.</returns>
    public static string? ProblemOf(Command command)
    {
        if (command.CommandId == Guid.Empty) return "command_id is missing.";
        if (command.Events?.Select(ProblemOf).FirstOrDefault(p => p is not null) is { } eventProblem) return eventProblem;
        return command switch
        {
            ChatChanged { Chat: null } => "chat is missing.",
            ChatChanged { Chat: var chat, Members: var members } => ProblemOf(chat) ?? members?.Select(ProblemOf).FirstOrDefault(p => p is not null),
            MessageChanged { Message: null } => "message is missing.",
            MessageChanged { Message: var message, Members: var members } => ProblemOf(message) ?? members?.Select(ProblemOf).FirstOrDefault(p => p is not null),
            MembersChanged { ApplicationId: < 1 } => "application_id must be positive.",
            MembersChanged { ChatNumber: < 1 } => "chat_number must be positive.",
            MembersChanged { Members: null } => "members is missing.",
            MembersChanged { Members: var members } => members.Select(ProblemOf).FirstOrDefault(p => p is not null),
            ApplicationDeleted { ApplicationId: < 1 } => "application_id must be positive.",
            ApplicationDeleted => null,
            ReactionsChanged { ApplicationId: < 1 } => "application_id must be positive.",
            ReactionsChanged { ChatNumber: < 1 } => "chat_number must be positive.",
            ReactionsChanged { Reactions: null } => "reactions are missing.",
            ReactionsChanged { Reactions: var reactions } => reactions.Select(ProblemOf).FirstOrDefault(p => p is not null),
            FeedEventsRecorded { Events: null or { Count: 0 } } => "events are missing.",
            FeedEventsRecorded => null,
            _ => $"Unknown command {command.GetType().Name}.",
        };
    }

    private static string? ProblemOf(FeedEvent? e) =>
        e is null ? "an event is missing."
        : e.ApplicationId < 1 ? "event.application_id must be positive."
        : e.Seq < 1 ? "event.seq must be positive."
        : string.IsNullOrEmpty(e.Type) ? "event.type is missing."
        : e.At == default || e.UpdatedAt == default ? "event times are missing."
        : null;

    private static string? ProblemOf(ChatState chat) =>
        chat.ApplicationId < 1 ? "chat.application_id must be positive."
        : chat.Number < 1 ? "chat.number must be positive."
        : chat.Uid == Guid.Empty ? "chat.uid is missing."
        : chat.Name?.Length > Limits.MaxNameLength ? $"chat.name is longer than {Limits.MaxNameLength} characters."
        : MetadataProblem("chat", chat.Metadata) ?? TimesProblem("chat", chat.CreatedAt, chat.UpdatedAt, chat.DeletedAt);

    private static string? ProblemOf(MessageState message) =>
        message.ApplicationId < 1 ? "message.application_id must be positive."
        : message.ChatNumber < 1 ? "message.chat_number must be positive."
        : message.Number < 1 ? "message.number must be positive."
        : message.Uid == Guid.Empty ? "message.uid is missing."
        : message.Body is null ? "message.body is missing."
        : message.Body.Length > Limits.MaxBodyLength ? $"message.body is longer than {Limits.MaxBodyLength} characters."
        : message.Sender?.Length > Limits.MaxUserIdLength ? "message.sender is too long."
        : message.ReplyTo is { } replyTo && (replyTo < 1 || replyTo >= message.Number) ? "message.reply_to must be an earlier message number."
        : message.Mentions is { } mentions && (mentions.Count > Limits.MaxMentions
            || mentions.Any(m => string.IsNullOrEmpty(m) || m.Length > Limits.MaxUserIdLength)) ? "message.mentions are not user ids."
        : MetadataProblem("message", message.Metadata) ?? TimesProblem("message", message.CreatedAt, message.UpdatedAt, message.DeletedAt);

    private static string? ProblemOf(MemberState? member) =>
        member is null ? "a member is missing."
        : string.IsNullOrEmpty(member.UserId) || member.UserId.Length > Limits.MaxUserIdLength ? "member.user_id must have 1 to 64 characters."
        : member.DeliveredUpTo < 0 || member.ReadUpTo < 0 ? "member cursors must not be negative."
        // Only presence of the times: a member who rejoins has a newer joined_at than older states' updated_at.
        : member.JoinedAt == default || member.UpdatedAt == default ? "member times are missing."
        : null;

    private static string? ProblemOf(ReactionState? reaction) =>
        reaction is null ? "a reaction is missing."
        : reaction.Number < 1 ? "reaction.number must be positive."
        : string.IsNullOrEmpty(reaction.UserId) || reaction.UserId.Length > Limits.MaxUserIdLength ? "reaction.user_id must have 1 to 64 characters."
        : string.IsNullOrEmpty(reaction.Reaction) || reaction.Reaction.Length > Limits.MaxReactionLength ? "reaction.reaction must have 1 to 32 characters."
        : reaction.UpdatedAt == default ? "reaction.updated_at is missing."
        : null;

    private static string? MetadataProblem(string what, string? metadata) =>
        metadata is not null && System.Text.Encoding.UTF8.GetByteCount(metadata) > Limits.MaxMetadataBytes
            ? $"{what}.metadata is larger than {Limits.MaxMetadataBytes} bytes." : null;

    private static string? TimesProblem(string what, DateTime createdAt, DateTime updatedAt, DateTime? deletedAt) =>
        createdAt == default ? $"{what}.created_at is missing."
        : updatedAt == default ? $"{what}.updated_at is missing."
        : updatedAt < createdAt ? $"{what}.updated_at is before its created_at."
        : deletedAt < createdAt ? $"{what}.deleted_at is before its created_at."
        : null;
}
