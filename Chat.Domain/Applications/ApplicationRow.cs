namespace Chat.Domain.Applications;

/// <summary>A customer's application: the tenant that owns chats. Clients know it only by <see cref="Token"/>.</summary>
public sealed class ApplicationRow
{
    public long Id { get; set; }
    public required string Token { get; set; }
    public required string Name { get; set; }
    public int ChatsCount { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    /// <summary>Set when the application is deleted; the worker then purges its chats and messages.</summary>
    public DateTime? DeletedAt { get; set; }
}
