using Chat.Contracts;
using System.Text.Json;
using System.Text.Json.Serialization;
using Chat.Domain.Messaging;
using Chat.Domain.Search.Elasticsearch;

namespace Chat.Domain.Search.Indexing;

/// <summary>
/// What the worker asks its indexer to do after a batch committed. Message writes carry the state's version
/// (<c>updated_at</c> in microseconds), so Elasticsearch keeps the newest state whatever order they arrive in.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(IndexMessage), "index-message")]
[JsonDerivedType(typeof(RemoveMessage), "remove-message")]
[JsonDerivedType(typeof(RemoveChat), "remove-chat")]
[JsonDerivedType(typeof(RemoveApplication), "remove-application")]
public abstract record IndexCommand
{
    /// <summary>The bulk write that applies it; null for the removal of a whole chat or application (a delete-by-query).</summary>
    public virtual BulkOperation? AsBulkWrite() => null;
}

public sealed record IndexMessage(MessageDocument Message, long Version) : IndexCommand
{
    public override BulkOperation AsBulkWrite() => new BulkOperation.Index(Message, Version);
}

public sealed record RemoveMessage(string ChatKey, int Number, long Version) : IndexCommand
{
    public override BulkOperation AsBulkWrite() => new BulkOperation.Delete(ChatKey, Number, Version);
}

public sealed record RemoveChat(string ChatKey, string AppKey) : IndexCommand;

public sealed record RemoveApplication(string AppKey) : IndexCommand;

/// <summary>One broker message on <c>chat.index</c>: commands in the order they must be applied.</summary>
public sealed record IndexBatch(IReadOnlyList<IndexCommand> Commands)
{
    /// <summary>Commands per broker message: a worker batch of 500 messages becomes a handful of publishes.</summary>
    public const int MaxCommands = 100;

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, CommandJson.Options);

    /// <summary>Null when the bytes are not an index batch this version understands (dead-lettered).</summary>
    public static IndexBatch? TryParse(ReadOnlySpan<byte> body)
    {
        try
        {
            return JsonSerializer.Deserialize<IndexBatch>(body, CommandJson.Options) is { Commands: not null } batch
                   && batch.Commands.All(c => c is not null)
                ? batch
                : null;
        }
        catch (Exception e) when (e is JsonException or NotSupportedException)
        {
            return null; // malformed JSON, or a missing or unknown "type"
        }
    }
}
