using Chat.Contracts;

namespace Chat.Api.Shared;

/// <summary>
/// The real-time events the write endpoints raise once the broker confirmed their write (the Realtime feature sends
/// them to the chat's hub connections, on every replica). Best effort: a lost event never fails the write.
/// </summary>
/// <remarks>Each carries the change-feed position of its write (docs/decisions/0015).</remarks>
public interface IChatEvents
{
    Task MessageCreatedAsync(long applicationId, int chatNumber, long seq, MessageResponse message);
    Task MessageUpdatedAsync(long applicationId, int chatNumber, long seq, MessageResponse message);
    Task MessageDeletedAsync(long applicationId, int chatNumber, long seq, int number);
    Task ReceiptUpdatedAsync(long applicationId, int chatNumber, long seq, MemberState member);
    Task ReactionChangedAsync(long applicationId, int chatNumber, long seq, ReactionResponse reaction);

    /// <summary>The member's connections stop receiving the chat's events, on every replica.</summary>
    Task MemberRemovedAsync(long applicationId, int chatNumber, string user);
}
