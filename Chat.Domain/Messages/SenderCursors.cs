using Chat.Contracts;
using Chat.Domain.Data;
using MySqlConnector;

namespace Chat.Domain.Messages;

/// <summary>
/// The rule honest unread counts rest on (docs/decisions/0017): a member's own message is delivered to and read by them.
/// The API moves the sender's cursors in the message's own command; when it could not see the sender's membership then
/// (Redis lost the pending roster, or MySQL was away), the worker makes the rule good here, in the message's transaction.
/// Normally every cursor is already there and the statement changes no row.
/// </summary>
public static class SenderCursors
{
    /// <summary>Raises each sender's cursors to their newest message of the batch; returns the chats it changed a row of.</summary>
    public static async Task<IReadOnlyList<(long App, int Chat)>> RaiseAsync(Sql sql, IEnumerable<(long ChatRow, MessageState Message)> messages,
        CancellationToken ct)
    {
        var newest = messages.Where(m => m.Message.Sender is not null)
            .GroupBy(m => (m.ChatRow, m.Message.Sender))
            .Select(g => g.MaxBy(m => m.Message.Number))
            .ToList();
        if (newest.Count == 0) return [];
        var parameters = new List<MySqlParameter>();
        var rows = string.Join(" UNION ALL ", newest.Select((m, i) =>
        {
            parameters.Add(new MySqlParameter($"@u{i}", m.Message.Sender));
            parameters.Add(new MySqlParameter($"@t{i}", m.Message.CreatedAt));
            return $"SELECT {m.ChatRow} AS chat_id, @u{i} AS user_id, {m.Message.Number} AS up_to, @t{i} AS sent";
        }));
        // Only a member who had joined when the message was created: one who joined later starts where joining put them.
        // The chats named outright as well: the statement routes by them (docs/vitess) and prunes partitions.
        var changed = await sql.ExecuteAsync($"""
            UPDATE chat_members cm JOIN ({rows}) s ON cm.chat_id = s.chat_id AND cm.user_id = s.user_id
            SET cm.read_up_to = GREATEST(cm.read_up_to, s.up_to), cm.delivered_up_to = GREATEST(cm.delivered_up_to, s.up_to)
            WHERE cm.chat_id IN ({string.Join(",", newest.Select(m => m.ChatRow).Distinct())})
              AND cm.left_at IS NULL AND cm.joined_at <= s.sent AND cm.read_up_to < s.up_to
            """, parameters, ct);
        // Rare (only after such a fault): every chat of the statement is refreshed rather than asking which rows changed.
        return changed == 0 ? [] : newest.Select(m => (m.Message.ApplicationId, m.Message.ChatNumber)).Distinct().ToList();
    }
}
