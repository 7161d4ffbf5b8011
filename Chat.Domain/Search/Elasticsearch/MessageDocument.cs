namespace Chat.Domain.Search.Elasticsearch;

/// <summary>
/// A chat message as the worker asks for it to be indexed (the payload of an <c>index-message</c> command);
/// the id is <c>{ChatKey}:{Number}</c>, routed by <see cref="ChatKey"/>.
/// </summary>
public sealed record MessageDocument(string ChatKey, string AppKey, int Number, string Body, DateTimeOffset CreatedAt)
{
    /// <summary>The id must include the chat: with custom routing, _id is unique only within a shard.</summary>
    public static string Id(string chatKey, int number) => FormattableString.Invariant($"{chatKey}:{number}");
}

/// <summary>
/// The <c>_source</c> of a message in the index, in the mapping's snake_case field names (the client's source
/// serializer is set to snake_case: its default camelCase would be refused by the strict mapping).
/// </summary>
internal sealed record IndexedMessage(string ChatKey, string AppKey, int Number, string Body, string BodyLc, DateTime CreatedAt)
{
    public static IndexedMessage From(MessageDocument message) => new(
        message.ChatKey, message.AppKey, message.Number, message.Body,
        // The wildcard field's case_insensitive folds ASCII only, so the lower-cased copy is made here.
        message.Body.ToLowerInvariant(),
        // Milliseconds, in UTC: what a date field keeps.
        new DateTime(message.CreatedAt.UtcTicks - (message.CreatedAt.UtcTicks % TimeSpan.TicksPerMillisecond), DateTimeKind.Utc));
}

/// <summary>What a search reads of each hit: the message number (MySQL supplies the rest).</summary>
internal sealed record IndexedNumber(int Number);
