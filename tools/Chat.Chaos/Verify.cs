using Chat.Contracts;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using MySqlConnector;
using RabbitMQ.Client;

namespace Chat.Chaos;

/// <summary>
/// After the load and the drain: compares every answer the clients got with what MySQL holds and what is left
/// in the dead-letter queue, prints the table and returns non-zero if anything acknowledged was lost or
/// duplicated. Read-your-writes misses, failed and indeterminate requests and counts are reported, not judged:
/// faults are expected to fail some requests; they must never lose an acknowledged one.
/// </summary>
public static class Verify
{
    public static async Task<int> RunAsync(Options options)
    {
        var outDir = options.Text("out");
        // The generator's clock starts before the load (its set-up requests); faults.log counts from the load's start,
        // the moment the generator wrote into "started". Every time below is on the faults' clock.
        var loadStart = double.Parse(File.ReadAllText(Path.Combine(outDir, "started")), System.Globalization.CultureInfo.InvariantCulture);
        var records = File.ReadLines(Path.Combine(outDir, "requests.jsonl"))
            .Select(line => JsonSerializer.Deserialize<Record>(line, Record.Json)!)
            .Select(r => r with { T = r.T - loadStart }).ToList();
        var tokens = records.Select(r => r.App).Distinct().ToList();
        var db = await Database.ReadAsync(options.Text("mysql"), tokens);
        var dead = await DeadLettersAsync(options.Text("rabbitmq"));
        var table = new Table();

        // Requests, by outcome and status.
        table.Add("requests", $"{records.Count}", string.Join("  ", records.GroupBy(r => r.Outcome).OrderBy(g => g.Key).Select(g => $"{g.Key} {g.Count()}")));
        foreach (var op in records.GroupBy(r => r.Op).OrderBy(g => g.Key))
            table.Add($"  {op.Key}", $"{op.Count()}", string.Join("  ", op.GroupBy(r => r.Status).OrderBy(g => g.Key).Select(g => $"{(g.Key == 0 ? "no answer" : g.Key)}×{g.Count()}")));
        var unavailable = records.Where(r => r.Status == 503).ToList();
        table.Add("503 answers", $"{unavailable.Count}", unavailable.Count == 0 ? "" :
            $"without Retry-After {unavailable.Count(r => r.RetryAfter is null)}, slowest {unavailable.Max(r => r.Ms) / 1000:0.0} s");
        // A dependency that is down is a 503; any other 5xx is a bug.
        var bugs = records.Where(r => r.Status >= 500 && r.Status != 503).ToList();
        table.Add("other 5xx answers (bugs)", $"{bugs.Count}", string.Join(" ", bugs.Take(5).Select(r => $"{r.Op} {r.Status}@{r.T:0}s")), Judge(bugs.Count == 0));
        var indeterminate = records.Where(r => r.Outcome == "indeterminate").ToList();
        table.Add("no answer in 30 s", $"{indeterminate.Count}", indeterminate.Count == 0 ? "" : $"at t = {string.Join(", ", indeterminate.Select(r => $"{r.T:0}").Distinct().Take(10))} s");

        // Chats: every 201 is a row; no number answered twice.
        var chats = records.Where(r => r.Op == "chat").ToList();
        var okChats = chats.Where(r => r.Ok).ToList();
        var lostChats = okChats.Count(r => !db.Chats.Contains((r.App, r.Chat)));
        var reusedChats = okChats.GroupBy(r => (r.App, r.Chat)).Count(g => g.Count() > 1);
        table.Add("chats acknowledged (201)", $"{okChats.Count}", $"persisted {okChats.Count - lostChats}", Judge(lostChats == 0 && reusedChats == 0));
        table.Add("  lost / number reused", $"{lostChats} / {reusedChats}", "");

        // Messages: every 201 is exactly one row, under its number, with its latest body.
        var creates = records.Where(r => r.Op == "message").ToList();
        var okCreates = creates.Where(r => r.Ok).ToList();
        var reused = okCreates.GroupBy(r => (r.App, r.Chat, r.Number)).Count(g => g.Count() > 1);
        var edits = records.Where(r => r.Op == "edit").ToLookup(r => (r.App, r.Chat, r.Number!.Value));
        // A row under the number that holds another request's body is this request lost, too.
        var wrongBody = okCreates.Where(r => db.Messages.TryGetValue((r.App, r.Chat, r.Number!.Value), out var body)
                                             && !BodyFits(r, edits[(r.App, r.Chat, r.Number!.Value)], body, db.Deleted.Contains((r.App, r.Chat, r.Number!.Value)))).ToList();
        var lost = okCreates.Where(r => !db.Messages.ContainsKey((r.App, r.Chat, r.Number!.Value))).Concat(wrongBody).ToList();
        var duplicates = db.Messages.GroupBy(m => m.Value).Count(g => g.Count() > 1);
        table.Add("messages acknowledged (201)", $"{okCreates.Count}", $"persisted {okCreates.Count - lost.Count}", Judge(lost.Count == 0 && reused == 0 && duplicates == 0));
        table.Add("  lost (201, not persisted as answered)", $"{lost.Count}", string.Join(" ", lost.Take(5).Select(r => $"{r.Chat}/{r.Number}@{r.T:0}s")));
        table.Add("    of which the row holds another body", $"{wrongBody.Count}", "");
        table.Add("  number reused in a chat", $"{reused}", "");
        table.Add("  same request persisted twice", $"{duplicates}", "");
        table.Add("edits acknowledged (200)", $"{records.Count(r => r.Op == "edit" && r.Ok)}", "the newest acknowledged edit is the persisted body");

        // Rows nobody was told about: allowed only for requests that failed or got no answer.
        var bodies = records.Where(r => r.Op is "message" or "edit" && r.Body is not null).ToLookup(r => r.Body!);
        var notAcknowledged = db.Messages.Count(m => bodies[m.Value].Any() && !bodies[m.Value].Any(r => r.Ok) && bodies[m.Value].All(r => r.Op == "message"));
        var unexplained = db.Messages.Count(m => !bodies[m.Value].Any());
        table.Add("rows of failed/unanswered creates", $"{notAcknowledged}", "at-least-once: the command reached the queue, the answer did not reach the client");
        table.Add("rows from no request at all", $"{unexplained}", "", Judge(unexplained == 0));

        // Everything the load addresses was acknowledged first, so a 404 means an accepted chat or message could not be
        // found. Expected only while a Redis loss hides what was pending and the worker has not written it yet.
        // The worker has written it at the latest when the queues drained after the load.
        var redisLosses = RedisLosses(Path.Combine(outDir, "faults.log"));
        var drainedAt = FaultWindows.Read(Path.Combine(outDir, "faults.log")).LastOrDefault(f => f.What.StartsWith("queues: drained=yes", StringComparison.Ordinal))?.T
            ?? double.MaxValue;
        var notFound = records.Where(r => r.Status == 404).ToList();
        bool AfterRedisLossBeforeDrained(double at) => redisLosses.Any(t => at >= t - 1) && at <= drainedAt;
        var unexplainedNotFound = notFound.Where(r => !AfterRedisLossBeforeDrained(r.T)).ToList();
        table.Add("404 for something acknowledged", $"{notFound.Count}",
            $"{notFound.Count - unexplainedNotFound.Count} after a Redis data loss, before the queues drained" +
            (unexplainedNotFound.Count == 0 ? "" : $"; outside: {string.Join(" ", unexplainedNotFound.Take(5).Select(r => $"{r.Op} {r.Chat}/{r.Number}@{r.T:0.0}s"))}"),
            Judge(unexplainedNotFound.Count == 0));

        var reads = records.Where(r => r.Op == "read").ToList();
        table.Add("read right after 201", $"{reads.Count}", $"missed {reads.Count(r => !r.Ok)}" +
            (reads.Any(r => !r.Ok) ? $" (statuses {string.Join(", ", reads.Where(r => !r.Ok).GroupBy(r => r.Status).Select(g => $"{g.Key}×{g.Count()}"))}; at t = {string.Join(", ", reads.Where(r => !r.Ok).Select(r => $"{r.T:0}").Distinct().Take(8))} s)" : ""));

        // What the worker gave up on: each entry must be a command that is persisted anyway or was never acknowledged.
        var deadUnexplained = dead.Count(d => d.Body is { } body && bodies[body].Any(r => r.Ok) && !db.Messages.Values.Contains(body));
        table.Add("dead-lettered", $"{dead.Count}", string.Join("; ", dead.GroupBy(d => Regex.Replace(d.Reason, "[0-9]+", "N"))
            .Select(g => $"{g.Count()}× {g.Key}")), Judge(deadUnexplained == 0));
        if (dead.Count > 0) table.Add("  acknowledged and not persisted", $"{deadUnexplained}", "");

        var drained = options.Text("drained", "unknown");
        table.Add("queues empty after the faults", drained, options.Text("drain-detail", ""), Judge(drained == "yes"));
        table.Add("redeliveries seen by the worker", options.Text("redeliveries", "?"), "duplicates must not follow from them");
        table.Add("chats_count / messages_count stale", $"{db.StaleApplications} / {db.StaleChats}",
            $"of {tokens.Count} applications / {db.Chats.Count} chats, after one reconcile run (marks lost in FLUSHALL are expected to stay stale)");

        // What the outbox sweeper made good (docs/decisions/0009), and whether it had to.
        var workerLines = Directory.GetFiles(outDir, "worker*.log").SelectMany(File.ReadLines).ToList();
        var republished = workerLines.Select(line => Regex.Match(line, @"Outbox: re-published (\S+) of application (\d+),")).Where(m => m.Success)
            .Select(m => (Entry: OutboxLine.Parse(m.Groups[1].Value)!, App: long.Parse(m.Groups[2].Value))).ToList();
        var givenUp = workerLines.Count(line => line.Contains("Outbox: gave up on"));
        var trace = lost.Count == 0 && republished.Count == 0 ? null : new CommandTrace(outDir);
        var why = republished.Distinct().Select(r => (r.Entry, r.App, Why: trace!.DescribeRepublished(r.App, r.Entry))).ToList();
        table.Add("re-published from the outbox", $"{why.Count}",
            string.Join("; ", why.GroupBy(w => w.Why.Split(':')[0]).Select(g => $"{g.Count()} {g.Key}")));
        foreach (var (entry, app, reason) in why.Where(w => w.Why.StartsWith("lost")).Take(10))
            table.Add($"  made good: app {app} {entry}", "", reason);
        table.Add("given up by the outbox", $"{givenUp}", "accepted states never persisted", Judge(givenUp == 0));

        // The evidence for every loss: what the client was told, what the row holds instead.
        foreach (var r in lost.Take(20))
        {
            table.Add($"  lost: {r.App[..6]}… chat {r.Chat} #{r.Number}", $"{r.T:0.0}s",
                $"answered body '{r.Body}', edits [{string.Join(", ", edits[(r.App, r.Chat, r.Number!.Value)].Select(e => $"{e.Body} {e.Status}@{e.T:0.0}s"))}], " +
                $"row: {(db.Rows.TryGetValue((r.App, r.Chat, r.Number!.Value), out var row) ? row : "none")}");
            table.Add("    its commands", "", db.AppIds.TryGetValue(r.App, out var appId) ? trace!.Describe(appId, r.Chat, r.Number!.Value) : "?");
        }

        var feedOk = await FeedVerdict.ReportAsync(table, records, Path.Combine(outDir, "feed.jsonl"), options.Text("mysql"), db.AppIds);
        var unreadOk = await UnreadVerdict.ReportAsync(table, options.Text("api"), options.Text("mysql"), db.AppIds);
        var availableOk = FaultWindows.Report(table, records, FaultWindows.Read(Path.Combine(outDir, "faults.log")));

        // Webhooks (promise 17): every durable change delivered at least once, signed, though the receiver was down a while.
        var hooks = await Hooks.CheckAsync(options, outDir);
        var hooksOk = hooks is null || (hooks.Value.Missing == 0 && hooks.Value.Unverified == 0);
        if (hooks is { } h)
        {
            table.Add("every durable change delivered at least once", $"{h.Expected - h.Missing} of {h.Expected}",
                $"webhook events (non-void feed entries); {h.Requests} requests, {h.Duplicates} repeats, waited {h.Waited:0} s after the drain", Judge(h.Missing == 0));
            table.Add("  signatures verified (StandardWebhooks)", $"{h.Requests - h.Unverified} of {h.Requests}", "", Judge(h.Unverified == 0));
        }

        var pass = feedOk && unreadOk && availableOk && hooksOk && bugs.Count == 0 && lostChats == 0 && reusedChats == 0 && lost.Count == 0 && reused == 0 && duplicates == 0
                   && unexplained == 0 && deadUnexplained == 0 && drained == "yes" && unexplainedNotFound.Count == 0 && givenUp == 0;
        var text = table.Render() + $"\nRESULT: {(pass ? "PASS" : "FAIL")}\n";
        Console.Write(text);
        await File.WriteAllTextAsync(Path.Combine(outDir, "result.txt"), text);
        return pass ? 0 : 1;
    }

    /// <summary>The newest acknowledged edit wins; an edit that failed or got no answer may or may not have been applied.</summary>
    /// <param name="deleted">
    /// The row is a deleted message's. Its body is never served again (a tombstone has none), and a deletion accepted after
    /// Redis lost data carries the state it read from MySQL, which may be older than an edit still in the queue: the newer
    /// deletion then wins with the older body. Any body of the message's own requests fits (traced in seed 1462, cluster).
    /// </param>
    private static bool BodyFits(Record create, IEnumerable<Record> edits, string body, bool deleted)
    {
        var attempts = edits.OrderBy(e => e.I).ToList();
        if (deleted) return body == create.Body || attempts.Any(e => e.Body == body);
        if (attempts.Count == 0) return body == create.Body;
        var lastOk = attempts.FindLastIndex(e => e.Ok);
        var candidates = (lastOk < 0 ? attempts.Select(e => e.Body).Prepend(create.Body) : attempts.Skip(lastOk).Select(e => e.Body)).ToHashSet();
        return candidates.Contains(body);
    }

    private static string Judge(bool ok) => ok ? "ok" : "FAIL";

    /// <summary>Seconds after a Redis data loss in which pending states may be gone and their rows not yet written.</summary>

    /// <summary>
    /// When Redis lost data, from faults.log ("  139.3 s  Redis FLUSHALL"): FLUSHALL, the restart from an old snapshot and
    /// a killed Cluster master (its replica may lack the last writes it acknowledged). A plain kill -9 loses nothing
    /// acknowledged: Redis writes its AOF before it answers.
    /// </summary>
    private static List<double> RedisLosses(string faultsLog) =>
        File.Exists(faultsLog)
            ? File.ReadLines(faultsLog)
                .Select(line => Regex.Match(line, @"^\s*([0-9.]+) s\s+(Redis FLUSHALL|kill -9 Redis, restarted from the snapshot|kill -9 Redis master)"))
                .Where(m => m.Success).Select(m => double.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)).ToList()
            : [];

    private sealed record DeadLetter(string Reason, string? Body);

    /// <summary>Reads every entry of the dead-letter queue without removing it (the channel closes unacknowledged).</summary>
    private static async Task<List<DeadLetter>> DeadLettersAsync(string uri)
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(uri) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var found = new List<DeadLetter>();
        try
        {
            while (found.Count < 100_000 && await channel.BasicGetAsync("chat.commands.dead", autoAck: false) is { } entry)
            {
                var reason = entry.BasicProperties.Headers?.TryGetValue("x-reason", out var value) == true && value is byte[] bytes
                    ? Encoding.UTF8.GetString(bytes) : "(no x-reason: dead-lettered by the broker, e.g. delivery limit)";
                found.Add(new DeadLetter(reason, MessageBody(entry.Body.Span)));
            }
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException)
        {
            // No dead-letter queue declared yet: nothing was dead-lettered.
        }
        return found;
    }

    private static string? MessageBody(ReadOnlySpan<byte> command)
    {
        try
        {
            using var json = JsonDocument.Parse(command.ToArray());
            return json.RootElement.TryGetProperty("message", out var message) && message.TryGetProperty("body", out var body) ? body.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private sealed class Database
    {
        public Dictionary<string, long> AppIds { get; } = [];
        public HashSet<(string App, int Chat)> Chats { get; } = [];
        public Dictionary<(string App, int Chat, int Number), string> Messages { get; } = [];
        public HashSet<(string App, int Chat, int Number)> Deleted { get; } = [];
        /// <summary>The whole row, for the report of a loss.</summary>
        public Dictionary<(string App, int Chat, int Number), string> Rows { get; } = [];
        public int StaleApplications { get; private set; }
        public int StaleChats { get; private set; }

        public static async Task<Database> ReadAsync(string connectionString, IReadOnlyList<string> tokens)
        {
            var db = new Database();
            await using var connection = new MySqlConnection(connectionString);
            await connection.OpenAsync();
            var inList = string.Join(",", tokens.Select((_, i) => $"@t{i}"));
            MySqlCommand Command(string sql)
            {
                var command = new MySqlCommand(sql, connection);
                for (var i = 0; i < tokens.Count; i++) command.Parameters.AddWithValue($"@t{i}", tokens[i]);
                return command;
            }

            await using (var command = Command($"SELECT token, id FROM applications WHERE token IN ({inList})"))
            await using (var reader = await command.ExecuteReaderAsync())
                while (await reader.ReadAsync()) db.AppIds[reader.GetString(0)] = reader.GetInt64(1);
            await using (var command = Command($"SELECT a.token, c.number FROM chats c JOIN applications a ON a.id = c.application_id WHERE a.token IN ({inList})"))
            await using (var reader = await command.ExecuteReaderAsync())
                while (await reader.ReadAsync()) db.Chats.Add((reader.GetString(0), reader.GetInt32(1)));
            await using (var command = Command($"""
                SELECT a.token, c.number, m.number, m.body, HEX(m.uid), m.created_at, m.updated_at, m.deleted_at FROM messages m
                JOIN chats c ON c.id = m.chat_id JOIN applications a ON a.id = c.application_id WHERE a.token IN ({inList})
                """))
            await using (var reader = await command.ExecuteReaderAsync())
                while (await reader.ReadAsync())
                {
                    var key = (reader.GetString(0), reader.GetInt32(1), reader.GetInt32(2));
                    db.Messages[key] = reader.GetString(3);
                    if (!reader.IsDBNull(7)) db.Deleted.Add(key);
                    db.Rows[key] = $"'{reader.GetString(3)}' uid {reader.GetString(4)} created {reader.GetDateTime(5):HH:mm:ss.ffffff} " +
                                   $"updated {reader.GetDateTime(6):HH:mm:ss.ffffff}{(reader.IsDBNull(7) ? "" : " DELETED")}";
                }
            await using (var command = Command($"""
                SELECT COUNT(*) FROM applications a WHERE a.token IN ({inList})
                AND a.chats_count <> (SELECT COUNT(*) FROM chats c WHERE c.application_id = a.id AND c.deleted_at IS NULL)
                """))
                db.StaleApplications = Convert.ToInt32(await command.ExecuteScalarAsync());
            await using (var command = Command($"""
                SELECT COUNT(*) FROM chats c JOIN applications a ON a.id = c.application_id WHERE a.token IN ({inList})
                AND c.messages_count <> (SELECT COUNT(*) FROM messages m WHERE m.chat_id = c.id AND m.deleted_at IS NULL)
                """))
                db.StaleChats = Convert.ToInt32(await command.ExecuteScalarAsync());
            return db;
        }
    }
}
