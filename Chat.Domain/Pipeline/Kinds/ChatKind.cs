using System.Globalization;
using Chat.Contracts;
using Chat.Domain.Data;

namespace Chat.Domain.Pipeline;

/// <summary>A chat: pending per application by number; a deletion is final; a number under another uid is a collision.</summary>
public sealed class ChatKind : WriteKind<ChatState>
{
    public override char Code => 'c';
    public override bool HiddenIsFinal => true;
    public override bool LivesInAChat => false;

    /// <summary>Chats are pending per application (chat number 0: real chats start at 1).</summary>
    public static Scope ScopeOf(long applicationId) => new(applicationId, 0);

    public Write Write(ChatState chat, ChatState? basedOn = null) => Write(ScopeOf(chat.ApplicationId), chat, basedOn);

    public override string PendingHash(Scope scope) => RedisKeys.PendingChats(scope.ApplicationId);
    public override string FieldOf(ChatState chat) => chat.Number.ToString(CultureInfo.InvariantCulture);
    public override DateTime VersionOf(ChatState chat) => chat.UpdatedAt;
    public override ChatState WithVersion(ChatState chat, DateTime version) => chat with { UpdatedAt = version };
    public override bool Hides(ChatState chat) => chat.DeletedAt is not null;

    public override string EventTypeOf(ChatState chat, ChatState? basedOn) => LifecycleEventOf("chat", chat, basedOn);
    public override FeedSubject SubjectOf(Scope scope, ChatState chat) => new(chat.Number, null, null);

    public override IEnumerable<PendingView> ViewsOf(Scope scope, ChatState chat) => [new(PendingHash(scope), FieldOf(chat), chat.Number)];

    public override string GenerationOf(Scope scope, ChatState chat) => RedisKeys.ChatGeneration(scope.ApplicationId, chat.Number);

    public override Task<IReadOnlyList<(Persisting Write, string Reason)>> CollisionsAsync(Sql sql, IReadOnlyList<Persisting> writes, CancellationToken ct) =>
        Collisions.FindAsync(sql, "chats", "application_id", writes,
            w => (w.Write.Scope.ApplicationId, w.Write.StateAs<ChatState>().Number), w => w.Write.StateAs<ChatState>().Uid,
            w => $"Chat number {w.Write.StateAs<ChatState>().Number} of application {w.Write.Scope.ApplicationId} already belongs to another chat (numbering collision).",
            ct);

    // Column order matters: MySQL applies the assignments left to right, so every condition must read the old
    // updated_at and deleted_at; updated_at is assigned after the columns it guards, deleted_at last.
    public override Task UpsertAsync(Sql sql, IReadOnlyList<Persisting> writes, CancellationToken ct) => sql.UpsertAsync(
        "INSERT INTO chats (application_id, number, uid, name, created_at, updated_at, deleted_at, messages_count, distinct_key, metadata)",
        writes.Select(w => w.Write.StateAs<ChatState>()).Select(c => new object?[]
            { c.ApplicationId, c.Number, c.Uid, c.Name, c.CreatedAt, c.UpdatedAt, c.DeletedAt, 0, c.DistinctKey, c.Metadata }),
        $"""
        name = IF({Collisions.NewerAndLive}, VALUES(name), name),
        metadata = IF({Collisions.NewerAndLive}, VALUES(metadata), metadata),
        updated_at = IF({Collisions.NewerAndLive}, VALUES(updated_at), updated_at),
        deleted_at = COALESCE(deleted_at, VALUES(deleted_at))
        """, ct);
}
