using Chat.Domain.Messaging;
using Chat.Domain.Pending;

namespace Chat.Api.Chats;

/// <summary>
/// The write path of chats and messages: make the new state readable (pending in Redis), then publish it and
/// wait for the broker's confirm. If the broker does not confirm, the pending set is put back as it was (the
/// state this one replaced, if any) and the request fails with 503, so nothing is shown or acknowledged that the
/// worker will not persist, and nothing accepted earlier disappears.
/// </summary>
public sealed partial class Acceptance(PendingStore pending, CommandPublisher publisher, ILogger<Acceptance> log)
{
    /// <param name="members">A new chat's first members, which travel in the same command (their pending states are the caller's).</param>
    public Task AcceptAsync(Change change, ChatState chat, CancellationToken ct, IReadOnlyList<MemberState>? members = null) =>
        AcceptAsync(PendingScope.Chats(chat.ApplicationId), chat.Number, chat, chat.UpdatedAt, chat.DeletedAt is not null,
            new ChatChanged(Guid.NewGuid(), change, chat, members), ct);

    public Task AcceptAsync(Change change, MessageState message, CancellationToken ct) =>
        AcceptAsync(PendingScope.Messages(message.ApplicationId, message.ChatNumber), message.Number, message,
            message.UpdatedAt, message.DeletedAt is not null, new MessageChanged(Guid.NewGuid(), change, message), ct);

    private async Task AcceptAsync<T>(PendingScope scope, int number, T state, DateTime updatedAt, bool deleted,
        Command command, CancellationToken ct)
    {
        var put = await pending.PutAsync(scope, number, state, updatedAt, deleted);
        try
        {
            await publisher.PublishAsync(command, ct);
        }
        catch (BrokerUnavailableException)
        {
            if (put is not null) await pending.TakeBackAsync(put);
            throw;
        }
        if (log.IsEnabled(LogLevel.Debug)) LogAccepted(command.CommandId, scope.ToString(), number, PendingStore.Version(updatedAt));
    }

    /// <summary>Debug only: with the worker's finished batches, this traces any accepted command (scripts/chaos turns both on).</summary>
    [LoggerMessage(Level = LogLevel.Debug, Message = "Accepted {CommandId}: {Scope} #{Number} v{Version}")]
    private partial void LogAccepted(Guid commandId, string scope, int number, long version);

    /// <summary>
    /// A new state's time: now, but always after the state it replaces, so last-writer-wins keeps the order in
    /// which one replica accepted the changes. Microsecond precision, as MySQL stores it.
    /// </summary>
    public static DateTime NextVersion(DateTime previous)
    {
        var now = Applications.ApplicationsApi.UtcNow();
        return now > previous ? now : previous.AddTicks(10);
    }
}
