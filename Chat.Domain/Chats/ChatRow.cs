namespace Chat.Domain.Chats;

/// <summary>
/// A chat, numbered per application. Written only by the worker, as the latest state a command carried:
/// <see cref="UpdatedAt"/> orders states (last writer wins) and <see cref="DeletedAt"/> is a tombstone that
/// no older or later command revives.
/// </summary>
public sealed class ChatRow
{
    public long Id { get; set; }
    public long ApplicationId { get; set; }
    public int Number { get; set; }
    /// <summary>Identity assigned when the chat was accepted: tells a redelivery from a numbering collision.</summary>
    public Guid Uid { get; set; }
    public string? Name { get; set; }
    public int MessagesCount { get; set; }
    /// <summary>SHA-256 (hex) of the sorted member ids of a "distinct" chat; null for ordinary chats.</summary>
    public string? DistinctKey { get; set; }
    /// <summary>The client's JSON object as given; stored as text, never interpreted or indexed.</summary>
    public string? Metadata { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    public DateTime? DeletedAt { get; set; }
}
