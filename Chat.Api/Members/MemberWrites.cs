using Chat.Api.Chats;
using Chat.Domain.Members;
using Chat.Domain.Messaging;

namespace Chat.Api.Members;

/// <summary>
/// The write path of members and receipts, like that of chats and messages (docs/decisions/0004): make the new
/// states readable in Redis, publish the command and wait for the broker's confirm; without a confirm the pending
/// states are put back as they were and the request fails with 503.
/// </summary>
public sealed class MemberWrites(Acceptance acceptance, MemberStore store, CommandPublisher publisher)
{
    /// <summary>
    /// A new chat and its first members travel in one command, so neither is accepted without the other. The members
    /// are pending before the chat is, so nobody sees the chat without them.
    /// </summary>
    public async Task AcceptNewChatAsync(ChatState chat, IReadOnlyList<MemberState> members, CancellationToken ct)
    {
        var put = await store.PutAsync(chat.ApplicationId, chat.Number, members);
        try
        {
            await acceptance.AcceptAsync(Change.Created, chat, ct, members);
        }
        catch (BrokerUnavailableException)
        {
            await store.TakeBackAsync(put);
            throw;
        }
    }

    /// <summary>Members added to or removed from an existing chat.</summary>
    public async Task AcceptAsync(long applicationId, int chatNumber, IReadOnlyList<MemberState> members, CancellationToken ct)
    {
        var put = await store.PutAsync(applicationId, chatNumber, members);
        try
        {
            await publisher.PublishAsync(new MembersChanged(Guid.NewGuid(), applicationId, chatNumber, members), ct);
        }
        catch (BrokerUnavailableException)
        {
            await store.TakeBackAsync(put);
            throw;
        }
    }

    /// <summary>
    /// Raises the member's cursors in Redis (visible at once, never lowered) and publishes the cursors now in force
    /// with the member's unchanged membership state; the worker keeps the greatest cursors it ever saw. A report that
    /// moves nothing is published too: it may carry a cursor whose own publication failed earlier.
    /// </summary>
    public async Task<MemberState> ReportAsync(long applicationId, int chatNumber, MemberState member, int delivered, int read,
        CancellationToken ct)
    {
        var (newDelivered, newRead) = await store.RaiseCursorsAsync(applicationId, chatNumber, member.UserId,
            Math.Max(delivered, member.DeliveredUpTo), Math.Max(read, member.ReadUpTo));
        var reported = member with { DeliveredUpTo = newDelivered, ReadUpTo = newRead };
        await publisher.PublishAsync(new MembersChanged(Guid.NewGuid(), applicationId, chatNumber, [reported]), ct);
        return reported;
    }

    /// <summary>A user joining (again): after their last state, keeping the cursors they had.</summary>
    public static MemberState Joining(string user, MemberState? previous)
    {
        var now = Acceptance.NextVersion(previous?.UpdatedAt ?? DateTime.MinValue);
        return new MemberState(user, now, now, null, previous?.DeliveredUpTo ?? 0, previous?.ReadUpTo ?? 0);
    }

    public static MemberState Leaving(MemberState member)
    {
        var now = Acceptance.NextVersion(member.UpdatedAt);
        return member with { UpdatedAt = now, LeftAt = now };
    }

    /// <summary>The initial members of a new chat, all joining at its creation time.</summary>
    public static IReadOnlyList<MemberState> Initial(IEnumerable<string> users, DateTime createdAt) =>
        users.Select(u => new MemberState(u, createdAt, createdAt, null, 0, 0)).ToList();
}
