using Chat.Domain.Messaging;
using MySqlConnector;

namespace Chat.Worker.Persistence;

internal sealed partial class Sql
{
    // Membership is last-writer-wins on updated_at (a removal is a state with left_at, which a later addition
    // replaces); the cursors take the greatest value ever written, whatever the order. updated_at is assigned last,
    // so the conditions read its old value.
    private const string Newer = "VALUES(updated_at) >= updated_at";

    public async Task UpsertMembersAsync(IReadOnlyList<(long ChatRow, MemberState Member)> members, CancellationToken ct)
    {
        if (members.Count == 0) return;
        var parameters = new List<MySqlParameter>();
        var rows = string.Join(",", members.Select(m => Row(parameters, m.ChatRow, m.Member.UserId, m.Member.DeliveredUpTo,
            m.Member.ReadUpTo, m.Member.JoinedAt, m.Member.UpdatedAt, m.Member.LeftAt)));
        await using var command = Command($"""
            INSERT INTO chat_members (chat_id, user_id, delivered_up_to, read_up_to, joined_at, updated_at, left_at) VALUES {rows}
            ON DUPLICATE KEY UPDATE
              delivered_up_to = GREATEST(delivered_up_to, VALUES(delivered_up_to)),
              read_up_to = GREATEST(read_up_to, VALUES(read_up_to)),
              joined_at = IF({Newer}, VALUES(joined_at), joined_at),
              left_at = IF({Newer}, VALUES(left_at), left_at),
              updated_at = GREATEST(updated_at, VALUES(updated_at))
            """, parameters);
        await command.ExecuteNonQueryAsync(ct);
    }
}
