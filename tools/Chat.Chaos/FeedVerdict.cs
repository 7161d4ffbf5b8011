using System.Text.Json;
using MySqlConnector;

namespace Chat.Chaos;

/// <summary>
/// Promise 16 of docs/reliability.md: every acknowledged change is in the feed exactly once, a message's changes in
/// the order they were acknowledged, and a client that followed <c>next</c> through the whole run never passed a
/// position it did not see — unless Redis lost data meanwhile, which the feed announces with a new epoch.
/// </summary>
public static class FeedVerdict
{
    private sealed record Row(string App, long Seq, string Type, int Chat, int? Number, string? Body, DateTime At);

    public static async Task<bool> ReportAsync(Table table, IReadOnlyList<Record> records, string feedLog, string mysql,
        IReadOnlyDictionary<string, long> appIds)
    {
        var all = await ReadAsync(mysql, appIds);
        var bySeq = all.ToDictionary(r => (r.App, r.Seq));
        var rows = all.Where(r => r.Type != "void").ToList();

        // Every acknowledged write, exactly once, found by what it changed (bodies are unique in a run).
        var expected = records.Where(r => r.Ok && r.Op is "chat" or "message" or "edit" or "delete").ToList();
        var index = rows.ToLookup(Key);
        var found = expected.Select(r => (Request: r, Rows: index[Key(r)].ToList())).ToList();
        var missing = found.Where(f => f.Rows.Count == 0).Select(f => f.Request).ToList();
        var twice = found.Count(f => f.Rows.Count > 1);
        // One client edits its own message one request at a time: their positions must follow that order.
        var outOfOrder = found.Where(f => f.Rows.Count == 1 && f.Request.Op is "message" or "edit" or "delete")
            .GroupBy(f => (f.Request.App, f.Request.Chat, f.Request.Number))
            .Count(g => !IsAscending(g.OrderBy(f => f.Request.I).Select(f => f.Rows[0].Seq)));
        var changesOk = missing.Count == 0 && twice == 0 && outOfOrder == 0;
        table.Add("acknowledged changes in the feed", $"{expected.Count - missing.Count} of {expected.Count}",
            $"twice {twice}, a message's changes out of order {outOfOrder}" +
            (missing.Count == 0 ? "" : $"; missing: {string.Join(" ", missing.Take(5).Select(r => $"{r.Op} {r.Chat}/{r.Number}@{r.T:0}s"))}"),
            Judge(changesOk));

        // What the followers saw: ascending positions, each as MySQL holds it, none passed unseen.
        var seen = File.Exists(feedLog)
            ? File.ReadLines(feedLog).Select(line => JsonSerializer.Deserialize<FeedFollower.Seen>(line, Record.Json)!).ToList()
            : [];
        int notAscending = 0, refused = 0, refusedVoidLost = 0, skipped = 0, explained = 0, lateRefused = 0, notReached = 0;
        var acknowledged = expected.Select(Key).ToHashSet();
        bool Unacknowledged(Row row) => row.Type is "chat.created" or "message.created" or "message.updated" or "message.deleted"
                                        && !acknowledged.Contains(Key(row));
        var unlikeSeen = new List<string>();
        var unexplained = new List<string>();
        foreach (var app in appIds.Keys)
        {
            var walk = seen.Where(s => s.App == app).ToList();
            notAscending += walk.Zip(walk.Skip(1)).Count(p => p.Second.Seq <= p.First.Seq);
            // Readable at once means readable before the broker's confirm: a change the broker then refused was seen, and is a void now.
            refused += walk.Count(s => bySeq.TryGetValue((app, s.Seq), out var row) && row.Type == "void");
            // A void lives in Redis until the outbox sweeper writes it: a data loss before that leaves no row for its position.
            // Every acknowledged change has its row (checked above), so a seen position without one was refused; the epoch
            // changing after it tells the follower that such a gap is possible.
            var lastEpoch = walk.Count == 0 ? 0 : walk[^1].Epoch;
            var voidLost = walk.Where(s => !bySeq.ContainsKey((app, s.Seq)) && s.Epoch != lastEpoch).ToList();
            refusedVoidLost += voidLost.Count;
            unlikeSeen.AddRange(walk.Except(voidLost)
                .Where(s => !bySeq.TryGetValue((app, s.Seq), out var row) || (row.Type != "void" && (row.Type != s.Type || row.Chat != s.Chat)))
                .Select(s => $"{s.Type} {s.Chat}/{s.Number} at {s.Seq}@{s.T:0}s, MySQL: {(bySeq.TryGetValue((app, s.Seq), out var row) ? $"{row.Type} {row.Chat}/{row.Number}" : "none")}"));
            var last = walk.Count == 0 ? 0 : walk[^1].Seq;
            var saw = walk.Select(s => s.Seq).ToHashSet();
            var positions = walk.Select(s => s.Seq).ToList();
            foreach (var row in rows.Where(r => r.App == app && !saw.Contains(r.Seq)))
            {
                if (row.Seq > last) { notReached++; continue; }
                skipped++;
                // Only a change whose pending entry Redis lost may be passed, once the entry after it is old enough. The
                // page that passed it says so: its epoch (the first position handed out after Redis's latest data loss)
                // lies beyond the position, which was therefore handed out before that loss.
                var after = ~positions.BinarySearch(row.Seq);
                if (row.Seq < walk[after].Epoch) explained++;
                // A change answered 503 whose command the broker took all the same (its confirm was lost with a node): a
                // void until the worker wrote it, which the feed passes after the gap timeout (decision 0015). The sender's
                // cursor move rides the same command, at the next position.
                else if (Unacknowledged(row) || (row.Type == "receipt.updated" && bySeq.TryGetValue((app, row.Seq - 1), out var sent)
                                                 && sent.Chat == row.Chat && Unacknowledged(sent))) lateRefused++;
                else unexplained.Add($"{row.Type} {row.Chat}/{row.Number} at {row.Seq} (accepted {row.At:HH:mm:ss.fff}), " +
                                     $"passed by page {walk[after].Page} at {walk[after].T:0.0}s, epoch {walk[after].Epoch}");
            }
        }
        var unlike = unlikeSeen.Count;
        var followOk = seen.Count > 0 && notAscending == 0 && unlike == 0 && notReached == 0 && skipped == explained + lateRefused;
        table.Add("feed followers (one per application)", $"{seen.Count} seen",
            $"not ascending {notAscending}, unlike MySQL's entry {unlike}, not reached by the end {notReached}; " +
            $"seen, then refused by the broker: voids now {refused}, voids lost with Redis's data {refusedVoidLost}" + (unlike == 0 ? "" : $"; unlike: {string.Join("; ", unlikeSeen.Take(5))}"), Judge(followOk));
        table.Add("  positions passed unseen", $"{skipped}", $"{explained} handed out before a Redis data loss the passing page's epoch announced; " +
            $"{lateRefused} voids of changes answered 503 that the broker delivered after the gap timeout" +
            (unexplained.Count == 0 ? "" : $"; unexplained: {string.Join("; ", unexplained.Take(8))}"), Judge(skipped == explained + lateRefused));
        return changesOk && followOk;
    }

    private static (string, string, int, int?, string?) Key(Record r) => r.Op switch
    {
        "chat" => (r.App, "chat.created", r.Chat, null, null),
        "message" => (r.App, "message.created", r.Chat, r.Number, r.Body),
        "delete" => (r.App, "message.deleted", r.Chat, r.Number, null),
        _ => (r.App, "message.updated", r.Chat, r.Number, r.Body),
    };

    private static (string, string, int, int?, string?) Key(Row r) => r.Type switch
    {
        "chat.created" => (r.App, r.Type, r.Chat, null, null),
        "message.deleted" => (r.App, r.Type, r.Chat, r.Number, null),
        _ => (r.App, r.Type, r.Chat, r.Number, r.Body),
    };

    private static bool IsAscending(IEnumerable<long> seqs) => seqs.Zip(seqs.Skip(1)).All(p => p.First < p.Second);

    private static string Judge(bool ok) => ok ? "ok" : "FAIL";

    /// <summary>Every persisted entry of the run's applications, voids (positions whose change the broker refused) included.</summary>
    private static async Task<List<Row>> ReadAsync(string mysql, IReadOnlyDictionary<string, long> appIds)
    {
        var tokenOf = appIds.ToDictionary(a => a.Value, a => a.Key);
        await using var connection = new MySqlConnection(mysql);
        await connection.OpenAsync();
        await using var command = new MySqlCommand($"""
            SELECT application_id, seq, type, chat_number, number, JSON_VALUE(state, '$.body'), at FROM feed
            WHERE application_id IN ({string.Join(",", appIds.Values)}) ORDER BY application_id, seq
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<Row>();
        while (await reader.ReadAsync())
            rows.Add(new Row(tokenOf[reader.GetInt64(0)], reader.GetInt64(1), reader.GetString(2), reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetDateTime(6)));
        return rows;
    }
}
