using System.Globalization;
using System.Text.Json;
using Chat.Contracts;
using Chat.Domain.Data;

namespace Chat.Domain.Pipeline;

/// <summary>
/// An entry of an application's change feed (docs/decisions/0015): pending per application by position until the
/// worker wrote it in the same transaction as its change. Its position is assigned by accept.lua when its change is
/// accepted; a change the broker refused leaves a void in its place, which a real entry always replaces.
/// </summary>
public sealed class FeedEventKind : WriteKind<FeedEvent>
{
    public override char Code => 'e';
    public override bool HiddenIsFinal => false;

    /// <summary>Entries need no chat row, but come last: a command that waits (or is rejected) holds its entries back too.</summary>
    public override bool LivesInAChat => false;

    public static Scope ScopeOf(long applicationId) => new(applicationId, 0);

    public override string PendingHash(Scope scope) => RedisKeys.PendingFeed(scope.ApplicationId);
    public override string FieldOf(FeedEvent e) => e.Seq.ToString(CultureInfo.InvariantCulture);
    public override DateTime VersionOf(FeedEvent e) => e.UpdatedAt;
    public override FeedEvent WithVersion(FeedEvent e, DateTime version) => e with { UpdatedAt = version };
    public override bool Hides(FeedEvent e) => e.Type == FeedEvent.Void;
    public override IEnumerable<PendingView> ViewsOf(Scope scope, FeedEvent e) => [new(PendingHash(scope), FieldOf(e), e.Seq)];

    /// <summary>accept.lua assigns the position after the entry was serialized: it is the field the entry is kept under.</summary>
    public override object Restore(string field, object state) => (FeedEvent)state with { Seq = long.Parse(field, CultureInfo.InvariantCulture) };

    /// <summary>A real entry replaces a void, never the reverse: the broker may have delivered a change it did not confirm.</summary>
    public override FeedEvent Combine(FeedEvent current, FeedEvent other) =>
        Hides(current) != Hides(other) ? (Hides(current) ? other : current) : base.Combine(current, other);

    /// <summary>The entry a stored write records at its position.</summary>
    public FeedEvent EventOf(Write write)
    {
        var at = write.Kind.VersionOf(write.State);
        var subject = write.Kind.SubjectOf(write.Scope, write.State);
        return new FeedEvent(write.Scope.ApplicationId, write.Seq, write.Event!, at, subject.ChatNumber, subject.Number, subject.User,
            JsonSerializer.SerializeToElement(write.State, write.State.GetType(), CommandJson.Options), at);
    }

    public Write Write(FeedEvent e) => Write(ScopeOf(e.ApplicationId), e);

    // A real entry replaces a void (see Combine); columns other than these never change. type is assigned last, so the
    // conditions read its old value.
    public override Task UpsertAsync(Sql sql, IReadOnlyList<Persisting> writes, CancellationToken ct) => sql.UpsertAsync(
        "INSERT INTO feed (application_id, seq, at, type, chat_number, number, user_id, state, updated_at)",
        writes.Select(w => w.Write.StateAs<FeedEvent>()).Select(e => new object?[]
            { e.ApplicationId, e.Seq, e.At, e.Type, e.ChatNumber, e.Number, e.User, e.State?.GetRawText(), e.UpdatedAt }),
        """
        state = IF(type = 'void', VALUES(state), state),
        updated_at = IF(type = 'void', VALUES(updated_at), updated_at),
        type = IF(type = 'void', VALUES(type), type)
        """, ct);
}
