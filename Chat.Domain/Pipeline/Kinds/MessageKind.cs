using System.Globalization;
using System.Text.Json;
using Chat.Contracts;
using Chat.Domain.Data;
using Chat.Domain.Messages;

namespace Chat.Domain.Pipeline;

/// <summary>A message: pending per chat by number; a deletion is final; a number under another uid is a collision.</summary>
public sealed class MessageKind : WriteKind<MessageState>
{
    public override char Code => 'm';
    public override bool HiddenIsFinal => true;

    public Write Write(MessageState message, MessageState? basedOn = null) =>
        Write(new Scope(message.ApplicationId, message.ChatNumber), message, basedOn);

    public override string PendingHash(Scope scope) => RedisKeys.PendingMessages(scope.ApplicationId, scope.ChatNumber);
    public override string FieldOf(MessageState message) => message.Number.ToString(CultureInfo.InvariantCulture);
    public override DateTime VersionOf(MessageState message) => message.UpdatedAt;
    public override MessageState WithVersion(MessageState message, DateTime version) => message with { UpdatedAt = version };
    public override bool Hides(MessageState message) => message.DeletedAt is not null;

    public override string EventTypeOf(MessageState message, MessageState? basedOn) => LifecycleEventOf("message", message, basedOn);
    public override FeedSubject SubjectOf(Scope scope, MessageState message) => new(message.ChatNumber, message.Number, message.Sender);

    public override IEnumerable<PendingView> ViewsOf(Scope scope, MessageState message) =>
        [new(PendingHash(scope), FieldOf(message), message.Number)];

    public override Task<IReadOnlyList<(Persisting Write, string Reason)>> CollisionsAsync(Sql sql, IReadOnlyList<Persisting> writes, CancellationToken ct) =>
        Collisions.FindAsync(sql, "messages", "chat_id", writes,
            w => (w.ChatRow, w.Write.StateAs<MessageState>().Number), w => w.Write.StateAs<MessageState>().Uid,
            w => $"Message number {w.Write.StateAs<MessageState>().Number} of chat {w.Write.Scope.ChatNumber} already belongs to another message (numbering collision).",
            ct);

    /// <summary>The messages, with the live count of each block of numbers they fall in recounted (unread counts, docs/decisions/0017).</summary>
    public override async Task UpsertAsync(Sql sql, IReadOnlyList<Persisting> writes, CancellationToken ct)
    {
        var recount = await MessageBlocks.LockAsync(sql, writes.Select(w => (w.ChatRow, w.Write.StateAs<MessageState>().Number)), ct);
        await UpsertMessagesAsync(sql, writes, ct);
        await recount();
        await MessageMentions.UpsertAsync(sql, writes.Select(w => (w.ChatRow, w.Write.StateAs<MessageState>())), ct);
    }

    private static Task UpsertMessagesAsync(Sql sql, IReadOnlyList<Persisting> writes, CancellationToken ct) => sql.UpsertAsync(
        "INSERT INTO messages (chat_id, number, uid, body, sender, sent_at, created_at, updated_at, deleted_at, reply_to, metadata, mentions)",
        writes.Select(w => (w.ChatRow, Message: w.Write.StateAs<MessageState>())).Select(w => new object?[]
            { w.ChatRow, w.Message.Number, w.Message.Uid, w.Message.Body, w.Message.Sender, w.Message.SentAt, w.Message.CreatedAt, w.Message.UpdatedAt, w.Message.DeletedAt, w.Message.ReplyTo,
                w.Message.Metadata, w.Message.Mentions is { Count: > 0 } mentions ? JsonSerializer.Serialize(mentions) : null }),
        $"""
        body = IF({Collisions.NewerAndLive}, VALUES(body), body),
        metadata = IF({Collisions.NewerAndLive}, VALUES(metadata), metadata),
        updated_at = IF({Collisions.NewerAndLive}, VALUES(updated_at), updated_at),
        deleted_at = COALESCE(deleted_at, VALUES(deleted_at))
        """, ct);
}
