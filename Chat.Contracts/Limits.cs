namespace Chat.Contracts;

/// <summary>
/// The sizes the API validates, the worker re-checks and the schema stores: each defined once, here.
/// </summary>
public static class Limits
{
    /// <summary>Application and chat names, after trimming.</summary>
    public const int MaxNameLength = 200;

    /// <summary>A message body, in characters (<c>messages.body</c> is <c>text</c>).</summary>
    public const int MaxBodyLength = 10_000;

    /// <summary>The client app's own user ids (<c>chat_members.user_id</c>, <c>messages.sender</c>).</summary>
    public const int MaxUserIdLength = 64;

    /// <summary>Search text (<c>q</c>).</summary>
    public const int MaxQueryLength = 200;

    /// <summary><c>metadata</c> of a message or chat: a JSON object of at most this many bytes, serialized as given (UTF-8).</summary>
    public const int MaxMetadataBytes = 4096;

    /// <summary>Users one message may mention.</summary>
    public const int MaxMentions = 100;

    /// <summary>A reaction: an emoji or a short name, in characters (UTF-16 code units).</summary>
    public const int MaxReactionLength = 32;
}
