using System.Text.Json;
using Chat.Contracts;
using Chat.Domain.Data;

namespace Chat.Domain.Pipeline;

/// <summary>
/// A user's reaction to a message: pending per chat, keyed by (message, user, reaction) and indexed by message number
/// so a page of history reads its reactions in one range; last writer wins, a removal is not final.
/// </summary>
public sealed class ReactionKind : WriteKind<ReactionState>
{
    public override char Code => 'r';
    public override bool HiddenIsFinal => false;

    public override string PendingHash(Scope scope) => RedisKeys.PendingReactions(scope.ApplicationId, scope.ChatNumber);
    /// <summary>A JSON array: user ids and reactions may hold any character.</summary>
    public override string FieldOf(ReactionState reaction) => JsonSerializer.Serialize(new object[] { reaction.Number, reaction.UserId, reaction.Reaction });
    public override DateTime VersionOf(ReactionState reaction) => reaction.UpdatedAt;
    public override ReactionState WithVersion(ReactionState reaction, DateTime version) => reaction with { UpdatedAt = version };
    public override bool Hides(ReactionState reaction) => reaction.RemovedAt is not null;

    public override string EventTypeOf(ReactionState reaction, ReactionState? basedOn) => Hides(reaction) ? "reaction.removed" : "reaction.added";
    public override FeedSubject SubjectOf(Scope scope, ReactionState reaction) => new(scope.ChatNumber, reaction.Number, reaction.UserId);

    public override IEnumerable<PendingView> ViewsOf(Scope scope, ReactionState reaction) => [new(PendingHash(scope), FieldOf(reaction), reaction.Number)];

    // Last writer wins on updated_at; updated_at is assigned last, so the condition reads its old value.
    public override Task UpsertAsync(Sql sql, IReadOnlyList<Persisting> writes, CancellationToken ct) => sql.UpsertAsync(
        "INSERT INTO message_reactions (chat_id, number, user_id, reaction, updated_at, removed_at)",
        writes.Select(w => (w.ChatRow, Reaction: w.Write.StateAs<ReactionState>())).Select(w => new object?[]
            { w.ChatRow, w.Reaction.Number, w.Reaction.UserId, w.Reaction.Reaction, w.Reaction.UpdatedAt, w.Reaction.RemovedAt }),
        """
        removed_at = IF(VALUES(updated_at) >= updated_at, VALUES(removed_at), removed_at),
        updated_at = GREATEST(updated_at, VALUES(updated_at))
        """, ct);
}
