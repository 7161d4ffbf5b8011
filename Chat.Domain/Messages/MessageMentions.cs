using Chat.Contracts;
using Chat.Domain.Data;

namespace Chat.Domain.Messages;

/// <summary>
/// <c>message_mentions(chat_id, user_id, number)</c>: who a message mentions, keyed per member, so a member's unread
/// mentions are the few rows after their read cursor (joined to the message for whether it is still live), never a scan
/// of the history. Mentions are fixed when the message is created, so an insert that ignores duplicates is idempotent.
/// </summary>
public static class MessageMentions
{
    public static Task UpsertAsync(Sql sql, IEnumerable<(long ChatRow, MessageState Message)> messages, CancellationToken ct) =>
        sql.UpsertAsync("INSERT INTO message_mentions (chat_id, user_id, number)",
            messages.SelectMany(m => (m.Message.Mentions ?? []).Select(user => new object?[] { m.ChatRow, user, m.Message.Number })),
            "number = number", ct);
}
