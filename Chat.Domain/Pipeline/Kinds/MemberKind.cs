using System.Globalization;
using Chat.Contracts;
using Chat.Domain.Data;

namespace Chat.Domain.Pipeline;

/// <summary>
/// One user in one chat (docs/decisions/0007): membership is last-writer-wins, so a user can leave and come back; the
/// receipt cursors only grow. Pending per chat by user, and per user by chat (for "the chats of a user").
/// </summary>
public sealed class MemberKind : WriteKind<MemberState>
{
    public override char Code => 'u';
    public override bool HiddenIsFinal => false;

    public override string PendingHash(Scope scope) => RedisKeys.PendingMembers(scope.ApplicationId, scope.ChatNumber);
    public override string FieldOf(MemberState member) => member.UserId;
    /// <summary>The later of its membership change and its last revision (a receipt).</summary>
    public override DateTime VersionOf(MemberState member) => member.RevisedAt > member.UpdatedAt ? member.RevisedAt.Value : member.UpdatedAt;

    /// <summary>A revision: the membership keeps its own time, so a receipt never counts as newer membership.</summary>
    public override MemberState WithVersion(MemberState member, DateTime version) => member with { RevisedAt = version };
    public override bool Hides(MemberState member) => member.LeftAt is not null;

    /// <summary>Joining (again), leaving, or a report of its cursors.</summary>
    public override string EventTypeOf(MemberState member, MemberState? basedOn) =>
        member.LeftAt is not null ? "member.removed" : basedOn is null || basedOn.LeftAt is not null ? "member.added" : "receipt.updated";

    public override FeedSubject SubjectOf(Scope scope, MemberState member) => new(scope.ChatNumber, null, member.UserId);

    public override IEnumerable<PendingView> ViewsOf(Scope scope, MemberState member) =>
    [
        new(PendingHash(scope), member.UserId, null),
        new(RedisKeys.PendingUserChats(scope.ApplicationId, member.UserId), scope.ChatNumber.ToString(CultureInfo.InvariantCulture), scope.ChatNumber),
    ];

    public override string ReleasedCopyOf(Scope scope) => RedisKeys.ReleasedMembers(scope.ApplicationId, scope.ChatNumber);

    /// <summary>The newer membership (the other on a tie) with the greater cursors, whatever the order.</summary>
    public override MemberState Combine(MemberState current, MemberState other) => (other.UpdatedAt >= current.UpdatedAt ? other : current) with
    {
        DeliveredUpTo = Math.Max(current.DeliveredUpTo, other.DeliveredUpTo),
        ReadUpTo = Math.Max(current.ReadUpTo, other.ReadUpTo),
        RevisedAt = current.RevisedAt > other.RevisedAt || other.RevisedAt is null ? current.RevisedAt : other.RevisedAt,
    };

    // The same rule in SQL: membership by updated_at, the cursors GREATEST whatever the order. updated_at is assigned
    // last, so the conditions read its old value.
    public override Task UpsertAsync(Sql sql, IReadOnlyList<Persisting> writes, CancellationToken ct) => sql.UpsertAsync(
        "INSERT INTO chat_members (chat_id, user_id, delivered_up_to, read_up_to, joined_at, updated_at, left_at)",
        writes.Select(w => (w.ChatRow, Member: w.Write.StateAs<MemberState>())).Select(w => new object?[]
            { w.ChatRow, w.Member.UserId, w.Member.DeliveredUpTo, w.Member.ReadUpTo, w.Member.JoinedAt, w.Member.UpdatedAt, w.Member.LeftAt }),
        """
        delivered_up_to = GREATEST(delivered_up_to, VALUES(delivered_up_to)),
        read_up_to = GREATEST(read_up_to, VALUES(read_up_to)),
        joined_at = IF(VALUES(updated_at) >= updated_at, VALUES(joined_at), joined_at),
        left_at = IF(VALUES(updated_at) >= updated_at, VALUES(left_at), left_at),
        updated_at = GREATEST(updated_at, VALUES(updated_at))
        """, ct);
}
