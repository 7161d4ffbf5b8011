using System.Diagnostics;
using Chat.Domain.Pipeline;
using Chat.Domain.Search;
using Chat.Domain.Search.Elasticsearch;
using Chat.Domain.Search.Indexing;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Chat.Worker.Search;

/// <summary>
/// Builds the next versioned index from MySQL and moves the alias to it (docs/decisions/0011):
/// <list type="number">
/// <item>creates <c>{alias}-v{n+1}</c>;</item>
/// <item>makes it the alias's write index in one atomic step, the old index staying behind the alias for searches,
/// so every write from then on (the indexer writes through the alias) reaches the new index;</item>
/// <item>copies every live message from MySQL in batches, with the same external versions as the indexer, so an
/// older copy never overwrites a newer write that arrived meanwhile;</item>
/// <item>takes the old index from behind the alias in one atomic step, and deletes it only when asked.</item>
/// </list>
/// </summary>
public sealed class Reindexer(MySqlDataSource database, MessageIndex index, IndexVersions versions, IndexDeadLetters deadLetters,
    IOptions<SearchOptions> search)
{
    public async Task<ReindexResult> RunAsync(bool deleteOld, Func<ReindexProgress, CancellationToken, Task> progress, CancellationToken ct)
    {
        var readers = await versions.BehindAliasAsync(ct);
        var existing = await versions.AllAsync(ct);
        var target = versions.Name(existing.Select(v => v.Version).DefaultIfEmpty(0).Max() + 1);
        await versions.CreateAsync(target, ct);
        await versions.SendWritesToAsync(target, readers, ct);

        await using var connection = await database.OpenConnectionAsync(ct);
        var total = await CountAsync(connection, ct);
        var clock = Stopwatch.StartNew();
        long copied = 0, rejected = 0;
        for (var after = (Chat: 0L, Number: 0); ;)
        {
            var batch = await ReadAsync(connection, after, search.Value.ReindexBatchSize, ct);
            if (batch.Count == 0) break;
            var operations = batch.Select(m => m.Command.AsBulkWrite()).ToList();
            var result = await index.BulkAsync(operations, ct, target);
            foreach (var failure in result.Failures)
                await deadLetters.PublishAsync(batch[operations.IndexOf(failure.Operation)].Command, failure, ct);
            copied += batch.Count - result.Failures.Count;
            rejected += result.Failures.Count;
            after = (batch[^1].Row, batch[^1].Command.Message.Number);
            await progress(new ReindexProgress(target, copied + rejected, Math.Max(total, copied + rejected), clock.Elapsed), ct);
        }

        await versions.RemoveFromAliasAsync(readers, ct);
        var deleted = deleteOld ? existing.Select(v => v.Name).Where(name => name != target).ToList() : [];
        foreach (var old in deleted) await versions.DeleteAsync(old, ct);
        return new ReindexResult(target, readers, copied, rejected, deleted);
    }

    private const string Live = "m.deleted_at IS NULL AND c.deleted_at IS NULL AND a.deleted_at IS NULL";

    private static async Task<long> CountAsync(MySqlConnection connection, CancellationToken ct)
    {
        await using var command = new MySqlCommand(
            $"SELECT COUNT(*) FROM messages m JOIN chats c ON c.id = m.chat_id JOIN applications a ON a.id = c.application_id WHERE {Live}",
            connection);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct));
    }

    /// <summary>The next live messages in primary-key order after <paramref name="after"/>: a range scan, however far the copy is.</summary>
    private static async Task<List<ReindexedMessage>> ReadAsync(MySqlConnection connection, (long Chat, int Number) after, int size, CancellationToken ct)
    {
        await using var command = new MySqlCommand($"""
            SELECT m.chat_id, c.application_id, c.number, m.number, m.body, m.created_at, m.updated_at
            FROM messages m JOIN chats c ON c.id = m.chat_id JOIN applications a ON a.id = c.application_id
            WHERE (m.chat_id > @chat OR (m.chat_id = @chat AND m.number > @number)) AND {Live}
            ORDER BY m.chat_id, m.number
            LIMIT @size
            """, connection);
        command.Parameters.AddWithValue("@chat", after.Chat);
        command.Parameters.AddWithValue("@number", after.Number);
        command.Parameters.AddWithValue("@size", size);
        var batch = new List<ReindexedMessage>(size);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var document = IndexingPublisher.Document(reader.GetInt64(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetString(4), reader.GetDateTime(5));
            batch.Add(new ReindexedMessage(reader.GetInt64(0), new IndexMessage(document, Versions.Of(reader.GetDateTime(6)))));
        }
        return batch;
    }

    private sealed record ReindexedMessage(long Row, IndexMessage Command);
}

/// <param name="Done">Messages sent to the new index so far.</param>
/// <param name="Total">Live messages in MySQL when the copy started (rises if the copy meets more).</param>
public sealed record ReindexProgress(string Index, long Done, long Total, TimeSpan Elapsed)
{
    public double PerSecond => Elapsed.TotalSeconds > 0 ? Done / Elapsed.TotalSeconds : 0;

    public TimeSpan? Remaining => PerSecond > 0 ? TimeSpan.FromSeconds((Total - Done) / PerSecond) : null;

    /// <summary>"chat-messages-v2: 120,000/1,000,000 (12.0 %), 8,512 messages/s, ETA 0:01:43".</summary>
    public override string ToString() => FormattableString.Invariant(
        $"{Index}: {Done:N0}/{Total:N0} ({(Total == 0 ? 100 : 100.0 * Done / Total):0.0} %), {PerSecond:N0} messages/s, ETA {Remaining:h\\:mm\\:ss}");
}

/// <param name="Index">The index the alias points at now.</param>
/// <param name="Previous">The indices it pointed at before.</param>
/// <param name="Rejected">Messages Elasticsearch refused for good: dead-lettered to <c>chat.index.dead</c> with the reason.</param>
/// <param name="Deleted">Old indices deleted (with <c>--delete-old</c>).</param>
public sealed record ReindexResult(string Index, IReadOnlyList<string> Previous, long Copied, long Rejected, IReadOnlyList<string> Deleted);
