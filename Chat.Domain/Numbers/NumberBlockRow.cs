namespace Chat.Domain.Numbers;

/// <summary>
/// The durable high-water mark of one numbering scope (an application's chats, or a chat's messages):
/// every number ever handed out in the scope is at most <see cref="ReservedUpTo"/>. See docs/decisions/0003.
/// </summary>
public sealed class NumberBlockRow
{
    public required string Scope { get; set; }
    public long ReservedUpTo { get; set; }
}
