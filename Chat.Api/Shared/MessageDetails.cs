using Chat.Api.Shared.Identity;
using Chat.Domain.Messages;
using MySqlConnector;

namespace Chat.Api.Shared;

/// <summary>
/// What every message representation shows beside the message's own state: its replies and reactions. For a page, a fixed
/// number of statements on one connection whatever the page's length; a snapshot (a transaction) only when pending
/// states must be matched against rows, since a single statement is its own snapshot.
/// </summary>
public sealed class MessageDetails(ReplyCounts replies, ReactionCounts reactions, ChatDirectory chats, MySqlDataSource database)
{
    /// <summary>By message number.</summary>
    public async Task<Dictionary<int, MessageExtras>> OfAsync(KnownApplication app, KnownChat chat, IReadOnlyCollection<int> numbers, Caller caller,
        CancellationToken ct = default)
    {
        var wanted = numbers.ToHashSet();
        var user = caller.IsUser ? caller.UserId : null;
        // Pending first (a state leaves Redis only after its row is committed), both reads at once.
        var pendingReplies = replies.PendingAsync(chat, wanted);
        var pendingReactions = reactions.PendingAsync(chat, wanted);
        var (replyStates, reactionStates) = (await pendingReplies, await pendingReactions);

        var rowId = wanted.Count == 0 ? null : await chats.RowIdAsync(app, chat);
        await using var connection = rowId is null ? null : await database.OpenConnectionAsync(ct);
        await using var snapshot = connection is not null && (replyStates.Count > 0 || ReactionCounts.NeedsSnapshot(reactionStates, user))
            ? await MessageBlocks.SnapshotAsync(connection, ct)
            : null;
        var replyCounts = await ReplyCounts.CountAsync(connection, snapshot, rowId, wanted, replyStates, ct);
        var reactionCounts = await ReactionCounts.CountAsync(connection, snapshot, rowId, wanted, reactionStates, user, ct);
        return wanted.ToDictionary(n => n, n => new MessageExtras(replyCounts.GetValueOrDefault(n), reactionCounts[n].Counts, reactionCounts[n].Own));
    }

    public async Task<MessageExtras> OfAsync(KnownApplication app, KnownChat chat, int number, Caller caller, CancellationToken ct = default) =>
        (await OfAsync(app, chat, [number], caller, ct))[number];
}
