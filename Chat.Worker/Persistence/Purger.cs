using Chat.Contracts;
using Chat.Domain.Data;
using MySqlConnector;

namespace Chat.Worker.Persistence;

/// <summary>
/// Removes the rows of deleted chats and applications in small chunks, after the batch that deleted them
/// committed. Idempotent: a redelivered deletion simply finds less to remove.
/// </summary>
public sealed class Purger(MySqlDataSource database)
{
    private const int Chunk = 5000;

    public async Task PurgeAsync(IReadOnlyCollection<long> chatRows, IReadOnlyCollection<long> applications, CancellationToken ct)
    {
        if (chatRows.Count == 0 && applications.Count == 0) return;
        await using var connection = await database.OpenConnectionAsync(ct);
        var sql = new Sql(connection, null);
        if (chatRows.Count > 0) await PurgeChatsAsync(sql, chatRows.ToList(), ct);
        foreach (var application in applications)
        {
            // Chats, the change feed and the webhooks go too; the application row last, so a crash midway leaves it marked and the
            // redelivery finishes.
            for (List<long> chats; (chats = await sql.ChatRowsOfApplicationAsync(application, 1000, ct)).Count > 0;)
            {
                await PurgeChatsAsync(sql, chats, ct);
                while (await sql.DeleteChunkAsync("chats", "id", chats, Chunk, ct) > 0) { }
            }
            foreach (var table in new[] { "feed", "feed_epochs", "feed_retention", "webhook_deliveries", "webhooks" })
                while (await sql.DeleteChunkAsync(table, "application_id", [application], Chunk, ct) > 0) { }
            await sql.DeleteApplicationRowAsync(application, ct);
        }
    }

    private static async Task PurgeChatsAsync(Sql sql, List<long> chats, CancellationToken ct)
    {
        while (await sql.DeleteChunkAsync("messages", "chat_id", chats, Chunk, ct) > 0) { }
        while (await sql.DeleteChunkAsync("chat_members", "chat_id", chats, Chunk, ct) > 0) { }
        while (await sql.DeleteChunkAsync("message_blocks", "chat_id", chats, Chunk, ct) > 0) { }
        while (await sql.DeleteChunkAsync("message_mentions", "chat_id", chats, Chunk, ct) > 0) { }
        while (await sql.DeleteChunkAsync("message_reactions", "chat_id", chats, Chunk, ct) > 0) { }
    }
}
