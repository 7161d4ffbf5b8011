using System.Globalization;
using Chat.Domain.Data;
using MySqlConnector;

namespace Chat.Domain.Messages;

/// <summary>
/// How many live messages each block of <see cref="Size"/> numbers of a chat holds (docs/decisions/0017): the live
/// messages after a read cursor are the blocks after the cursor's block plus the rest of that one block, so an unread
/// count costs a few rows whatever the length of the history.
/// </summary>
public static class MessageBlocks
{
    public const int Size = 256;

    /// <summary>
    /// Around the worker's upsert of messages, in its transaction: first lock the blocks the batch touches (in key order,
    /// so two workers cannot deadlock on them), then, after the upsert, recount each from the messages. Every writer of a
    /// block's messages holds its lock until it commits, so the recount sees every committed message of the block: the
    /// counts are exact after redeliveries, duplicates and any arrival order, as the upsert itself is.
    /// </summary>
    public static async Task<Func<Task>> LockAsync(Sql sql, IEnumerable<(long ChatRow, int Number)> messages, CancellationToken ct)
    {
        var blocks = messages.Select(m => (m.ChatRow, Block: m.Number / Size)).Distinct().Order().ToList();
        if (blocks.Count == 0) return () => Task.CompletedTask;
        await sql.UpsertAsync("INSERT INTO message_blocks (chat_id, block, live)", blocks.Select(b => new object?[] { b.ChatRow, b.Block, 0 }),
            "live = live", ct);
        return async () => await sql.ExecuteAsync($"""
            INSERT INTO message_blocks (chat_id, block, live)
            SELECT chat_id, number DIV {Size}, SUM(deleted_at IS NULL) FROM messages
            WHERE {string.Join(" OR ", blocks.Select(b => string.Create(CultureInfo.InvariantCulture,
                $"(chat_id = {b.ChatRow} AND number BETWEEN {b.Block * Size} AND {b.Block * Size + Size - 1})")))}
            GROUP BY chat_id, number DIV {Size}
            ON DUPLICATE KEY UPDATE live = VALUES(live)
            """, [], ct);
    }

    /// <summary>
    /// A read-only transaction whose reads all see one snapshot: counts and the liveness of the pending messages that
    /// correct them must agree, or a batch the worker commits between two statements is counted twice or not at all.
    /// </summary>
    public static async Task<MySqlTransaction> SnapshotAsync(MySqlConnection connection, CancellationToken ct) =>
        await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);

    /// <summary>
    /// For each (chat row, read cursor, member): the persisted live messages numbered after the cursor, and those among
    /// them that mention the member. One statement for them all: per cursor, the sum of the later blocks and a
    /// primary-key range within the cursor's own block; the member's mentions after the cursor (<see cref="MessageMentions"/>).
    /// </summary>
    public static async Task<(long Live, long Mentions)[]> LiveAfterAsync(MySqlTransaction snapshot,
        IReadOnlyList<(long ChatRow, int After, string User)> cursors, CancellationToken ct)
    {
        var counts = new (long, long)[cursors.Count];
        if (cursors.Count == 0) return counts;
        foreach (var chunk in Enumerable.Range(0, cursors.Count).Chunk(500))
        {
            // One SELECT per cursor, each naming its chat_id literally (the sharding key, docs/vitess), joined by UNION ALL.
            await using var command = new MySqlCommand { Connection = snapshot.Connection, Transaction = snapshot };
            command.CommandText = string.Join(" UNION ALL ", chunk.Select(i =>
            {
                var (chat, after, _) = cursors[i];
                var block = after / Size;
                command.Parameters.AddWithValue($"@u{i}", cursors[i].User);
                return string.Create(CultureInfo.InvariantCulture, $"""
                    SELECT {i},
                      COALESCE((SELECT SUM(b.live) FROM message_blocks b WHERE b.chat_id = {chat} AND b.block > {block}), 0)
                      + (SELECT COUNT(*) FROM messages m WHERE m.chat_id = {chat} AND m.number > {after} AND m.number < {(block + 1) * Size}
                         AND m.deleted_at IS NULL),
                      (SELECT COUNT(*) FROM message_mentions mm JOIN messages m ON m.chat_id = mm.chat_id AND m.number = mm.number
                       WHERE mm.chat_id = {chat} AND m.chat_id = {chat} AND mm.user_id = @u{i} AND mm.number > {after} AND m.deleted_at IS NULL)
                    """);
            }));
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
                counts[reader.GetInt32(0)] = (Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture), Convert.ToInt64(reader.GetValue(2), CultureInfo.InvariantCulture));
        }
        return counts;
    }

    /// <summary>Whether each of these persisted messages is live (absent ones are left out).</summary>
    public static async Task<Dictionary<(long ChatRow, int Number), bool>> LivenessAsync(MySqlTransaction snapshot,
        IReadOnlyCollection<(long ChatRow, int Number)> messages, CancellationToken ct)
    {
        var live = new Dictionary<(long, int), bool>();
        if (messages.Count == 0) return live;
        foreach (var chunk in messages.Chunk(1000))
        {
            await using var command = new MySqlCommand(
                $"SELECT chat_id, number, deleted_at IS NULL FROM messages WHERE (chat_id, number) IN ({string.Join(",", chunk.Select(m => string.Create(CultureInfo.InvariantCulture, $"({m.ChatRow},{m.Number})")))})",
                snapshot.Connection, snapshot);
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct)) live[(reader.GetInt64(0), reader.GetInt32(1))] = reader.GetBoolean(2);
        }
        return live;
    }
}
