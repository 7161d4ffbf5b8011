using Chat.Api.Shared;
using Chat.Contracts;
using Microsoft.AspNetCore.SignalR;

namespace Chat.Api.Realtime;

/// <summary>
/// Pushes events to the connections that joined a chat, on every replica (Redis backplane). Called after the broker
/// confirmed the write: an event never announces something that may be lost. Delivery is best effort; clients that
/// were away catch up from the history, since every event names the chat and message numbers.
/// </summary>
public sealed partial class ChatEvents(IHubContext<ChatHub> hub, RemovedMembers removed, ILogger<ChatEvents> log) : IChatEvents
{
    public const string MessageCreated = "messageCreated";
    public const string MessageUpdated = "messageUpdated";
    public const string MessageDeleted = "messageDeleted";
    public const string ReceiptUpdated = "receiptUpdated";
    public const string ReactionAdded = "reactionAdded";
    public const string ReactionRemoved = "reactionRemoved";
    public const string Typing = "typing";

    /// <summary>Internal ids are fine here: group names never leave the server.</summary>
    public static string Group(long applicationId, int chatNumber) => $"a:{applicationId}:c:{chatNumber}";

    public Task MessageCreatedAsync(long applicationId, int chatNumber, long seq, MessageResponse message) =>
        SendAsync(applicationId, chatNumber, MessageCreated, seq, new MessageEvent(seq, chatNumber, message.Number, message));

    public Task MessageUpdatedAsync(long applicationId, int chatNumber, long seq, MessageResponse message) =>
        SendAsync(applicationId, chatNumber, MessageUpdated, seq, new MessageEvent(seq, chatNumber, message.Number, message));

    public Task MessageDeletedAsync(long applicationId, int chatNumber, long seq, int number) =>
        SendAsync(applicationId, chatNumber, MessageDeleted, seq, new MessageDeletedEvent(seq, chatNumber, number));

    public Task ReceiptUpdatedAsync(long applicationId, int chatNumber, long seq, MemberState member) =>
        SendAsync(applicationId, chatNumber, ReceiptUpdated, seq, new ReceiptEvent(seq, chatNumber, member.UserId, member.DeliveredUpTo, member.ReadUpTo));

    public Task ReactionChangedAsync(long applicationId, int chatNumber, long seq, ReactionResponse reaction) =>
        SendAsync(applicationId, chatNumber, reaction.Active ? ReactionAdded : ReactionRemoved, seq, new ReactionEvent(seq, chatNumber, reaction.Number, reaction));

    public Task MemberRemovedAsync(long applicationId, int chatNumber, string user) => removed.PublishAsync(applicationId, chatNumber, user);

    /// <param name="seq">The change's feed position; 0 when the write was not stored because a newer state of the same
    /// thing got in first (an edit that lost the race). Nothing is sent then: the event would announce what was never
    /// stored, and the state that won was announced by its own writer.</param>
    private async Task SendAsync(long applicationId, int chatNumber, string name, long seq, object payload)
    {
        if (seq == 0) return;
        try
        {
            await hub.Clients.Group(Group(applicationId, chatNumber)).SendAsync(name, payload);
        }
        catch (Exception e)
        {
            // The write itself is durable and the client was about to hear so: a lost event must not turn that
            // into an error. Subscribers catch up from the history.
            LogNotSent(name, chatNumber, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Event {Name} for chat {Chat} not published: {Reason}")]
    private partial void LogNotSent(string name, int chat, string reason);
}
