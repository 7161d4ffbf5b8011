using System.Text.Json;
using System.Text.Json.Serialization;
using Chat.Contracts;
using Chat.Domain.Applications;

namespace Chat.Api.Shared;

/// <summary>
/// What every request under <c>/applications/{token}</c> needs to know about its application; cached in Redis (secrets
/// only sealed). <see cref="Token"/> is the token the request named: the previous one during a rotation's grace.
/// </summary>
public sealed record KnownApplication(long Id, string Token, string Name, int ChatsCount, DateTime CreatedAt, DateTime UpdatedAt)
{
    public ApplicationAccess Access { get; init; } = ApplicationAccess.Open;
}

/// <summary>Who may call an application, and with what (docs/decisions/0014).</summary>
/// <param name="SealedSecret">The application secret, sealed (Identity.SecretBox); null for an application created before secrets.</param>
/// <param name="UserTokensRevokedBefore">User tokens issued before this instant, or without an issue time, are refused.</param>
public sealed record ApplicationAccess(string Mode, string? SealedSecret = null, string? PreviousSealedSecret = null,
    DateTime? PreviousSecretUntil = null, string? PreviousToken = null, DateTime? PreviousTokenUntil = null,
    DateTime? UserTokensRevokedBefore = null)
{
    public static readonly ApplicationAccess Open = new(AuthModes.Open);

    public bool RequiresCredential => Mode == AuthModes.UserTokens;
}

/// <summary>
/// A chat as the API knows it: its latest state, and its row id and counts once the worker has persisted it
/// (<see cref="RowId"/> is null while the chat exists only as an accepted command).
/// </summary>
public sealed record KnownChat(ChatState State, long? RowId, int MessagesCount)
{
    /// <param name="members">Current member ids, ordered.</param>
    /// <param name="atMost">In lists: the first this many only (<see cref="ChatResponse.MembersInLists"/>); members_count says how many there are.</param>
    public ChatResponse ToResponse(IReadOnlyList<string>? members = null, int? atMost = null) =>
        new(State.Number, State.Name, MessagesCount, State.CreatedAt, State.UpdatedAt, Representations.Json(State.Metadata),
            members is { Count: > 0 } ? (atMost is { } most && members.Count > most ? members.Take(most).ToList() : members) : null,
            members is { Count: > 0 } ? members.Count : null);
}

/// <param name="Members">Current member ids, ordered; omitted when the chat has none; in lists only the first
/// <see cref="MembersInLists"/>.</param>
/// <param name="MembersCount">How many members the chat has, beside <paramref name="Members"/>.</param>
/// <param name="Metadata">The client's JSON object as it was given, or null.</param>
public sealed record ChatResponse(int Number, string? Name, int MessagesCount, DateTime CreatedAt, DateTime UpdatedAt, JsonElement? Metadata,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Members = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? MembersCount = null)
{
    /// <summary>A page of 200 chats of 1,000 members each would be 200,000 ids: lists show the first few.</summary>
    public const int MembersInLists = 10;
}

/// <summary>A message as every representation shows it: GET, history, events.</summary>
/// <param name="Body">Null only in a tombstone (a deleted message listed with <c>include_deleted=true</c>).</param>
/// <param name="ReplyTo">The message this one replies to, or null.</param>
/// <param name="ReplyCount">Live replies to this message (<see cref="ReplyCounts"/>).</param>
/// <param name="Mentions">The members it mentions (empty when none).</param>
/// <param name="Metadata">The client's JSON object as it was given, or null.</param>
/// <param name="Reactions">Count per reaction (only reactions someone has).</param>
/// <param name="OwnReactions">The caller's own reactions, for a user token only.</param>
/// <param name="DeletedAt">Only in a tombstone.</param>
public sealed record MessageResponse(
    int Number, string? Body, string? Sender, DateTime? SentAt, string Status, DateTime CreatedAt, DateTime UpdatedAt,
    int? ReplyTo, int ReplyCount, IReadOnlyList<string> Mentions, JsonElement? Metadata, IReadOnlyDictionary<string, int> Reactions,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? OwnReactions,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTime? DeletedAt = null);

/// <summary>What a message representation shows beside the message's state (<see cref="MessageDetails"/>).</summary>
public sealed record MessageExtras(int ReplyCount, IReadOnlyDictionary<string, int> Reactions, IReadOnlyList<string>? OwnReactions)
{
    /// <summary>A new message: no replies or reactions yet; a user token sees its own (none).</summary>
    public static MessageExtras New(bool forUser) => new(0, new Dictionary<string, int>(), forUser ? [] : null);
}

/// <param name="UnreadCount">Live messages by others after <paramref name="ReadUpTo"/> (<see cref="UnreadCounts"/>).</param>
/// <param name="UnreadMentions">Those of them that mention the member.</param>
public sealed record MemberResponse(string User, DateTime JoinedAt, int DeliveredUpTo, int ReadUpTo, int UnreadCount, int UnreadMentions)
{
    public static MemberResponse Of(MemberState member, UnreadCounts.Unread unread) =>
        new(member.UserId, member.JoinedAt, member.DeliveredUpTo, member.ReadUpTo, unread.Messages, unread.Mentions);
}

/// <summary>A reaction change as the hub, the feed and webhooks show it: who, what, and the message's counts now.</summary>
public sealed record ReactionResponse(int Number, string User, string Reaction, bool Active, IReadOnlyDictionary<string, int> Reactions);

/// <summary>A page of a list endpoint: <c>next</c> is the relative URL of the following page, or null.</summary>
public sealed record Page<T>(IReadOnlyList<T> Data, string? Next);

public static class Representations
{
    /// <summary>A deleted message is a tombstone: its place in the history, without its body.</summary>
    public static MessageResponse ToResponse(this MessageState m, string status, MessageExtras extras) => m.DeletedAt is { } deletedAt
        ? new(m.Number, null, m.Sender, m.SentAt, status, m.CreatedAt, m.UpdatedAt, m.ReplyTo, extras.ReplyCount, [], null,
            new Dictionary<string, int>(), null, deletedAt)
        : new(m.Number, m.Body, m.Sender, m.SentAt, status, m.CreatedAt, m.UpdatedAt, m.ReplyTo, extras.ReplyCount, m.Mentions ?? [],
            Json(m.Metadata), extras.Reactions, extras.OwnReactions);

    /// <summary>Metadata as it was given: its stored text, parsed only to be written back into the response.</summary>
    public static JsonElement? Json(string? metadata)
    {
        if (metadata is null) return null;
        using var document = JsonDocument.Parse(metadata);
        return document.RootElement.Clone();
    }
}
