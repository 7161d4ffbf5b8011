using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using MySqlConnector;
using StandardWebhooks;

namespace Chat.Chaos;

/// <summary>
/// The chaos run's webhook receiver (docs/decisions/0016): one process on loopback that the load registers for every
/// application, down for a window of the run (connections refused), verifying every request with the StandardWebhooks
/// library and writing one line per request to webhooks.jsonl. The verdict checks that every non-void feed entry of the
/// applications arrived at least once.
/// </summary>
public static class Hooks
{
    public const string SecretsFile = "webhooks.json";
    public const string ReceivedFile = "webhooks.jsonl";

    public sealed record Line(double T, string Id, string App, long Seq, string Type, bool Verified);

    /// <summary>Runs until killed: up, down from --down-at for --down-for seconds after the load started, up again.</summary>
    public static async Task<int> ServeAsync(Options options)
    {
        var port = options.Number("port", 5095);
        var outDir = options.Text("out");
        var downAt = TimeSpan.FromSeconds(options.Number("down-at", 15));
        var downFor = TimeSpan.FromSeconds(options.Number("down-for", 30));
        var secrets = new ConcurrentDictionary<string, string>();
        var clock = Stopwatch.StartNew();
        await using var lines = new StreamWriter(Path.Combine(outDir, ReceivedFile), append: true) { AutoFlush = true };
        var gate = new SemaphoreSlim(1, 1);

        async Task HandleAsync(HttpListenerContext context)
        {
            using var reader = new StreamReader(context.Request.InputStream);
            string body;
            try
            {
                body = await reader.ReadToEndAsync();
            }
            catch (Exception)
            {
                return; // the receiver went down while this request was being read: as if it never arrived
            }
            if (body.Length == 0) return;
            var (app, seq, type) = ("", 0L, "");
            var verified = false;
            try
            {
                var root = JsonDocument.Parse(body).RootElement;
                (app, seq, type) = (root.GetProperty("application").GetString()!, root.GetProperty("seq").GetInt64(), root.GetProperty("type").GetString()!);
                if (!secrets.ContainsKey(app)) Reload(outDir, secrets);
                if (!secrets.ContainsKey(app))
                {
                    // The load writes the secret just after registering, and the first events can be quicker: not ready yet, retry.
                    context.Response.StatusCode = 503;
                    context.Response.Close();
                    return;
                }
                var headers = new HeaderDictionary();
                foreach (var name in new[] { "webhook-id", "webhook-timestamp", "webhook-signature" }) headers[name] = context.Request.Headers[name];
                new StandardWebhook(secrets[app]).Verify(body, headers);
                verified = true;
            }
            catch (Exception)
            {
                // recorded as not verified: the verdict fails on it
            }
            await gate.WaitAsync();
            try
            {
                await lines.WriteLineAsync(JsonSerializer.Serialize(new Line(clock.Elapsed.TotalSeconds, context.Request.Headers["webhook-id"] ?? "",
                    app, seq, type, verified)));
            }
            finally
            {
                gate.Release();
            }
            context.Response.StatusCode = verified ? 204 : 401;
            context.Response.Close();
        }

        async Task ListenAsync(CancellationToken until)
        {
            using var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            listener.Start();
            using var stop = until.Register(listener.Stop);
            while (!until.IsCancellationRequested)
            {
                HttpListenerContext context;
                try
                {
                    context = await listener.GetContextAsync();
                }
                catch (Exception) when (until.IsCancellationRequested)
                {
                    break;
                }
                _ = Task.Run(() => HandleAsync(context));
            }
        }

        Console.WriteLine($"hooks: listening on 127.0.0.1:{port}; down from {downAt.TotalSeconds:0} s for {downFor.TotalSeconds:0} s after the load starts");
        var started = Path.Combine(outDir, "started");
        using (var beforeDown = new CancellationTokenSource())
        {
            var serving = ListenAsync(beforeDown.Token);
            while (!File.Exists(started)) await Task.Delay(100);
            await Task.Delay(downAt);
            await beforeDown.CancelAsync();
            await serving;
        }
        await File.AppendAllTextAsync(Path.Combine(outDir, "hooks.log"), $"down at {clock.Elapsed.TotalSeconds:0.0} s\n");
        await Task.Delay(downFor);
        await File.AppendAllTextAsync(Path.Combine(outDir, "hooks.log"), $"up at {clock.Elapsed.TotalSeconds:0.0} s\n");
        await ListenAsync(CancellationToken.None);
        return 0;
    }

    private static void Reload(string outDir, ConcurrentDictionary<string, string> secrets)
    {
        var path = Path.Combine(outDir, SecretsFile);
        if (!File.Exists(path)) return;
        foreach (var (app, secret) in JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText(path))!) secrets[app] = secret;
    }

    /// <summary>
    /// The verdict's part: waits (up to --hooks-wait seconds) until every non-void feed entry of the applications that
    /// registered a webhook was received; returns the missing ones and what arrived.
    /// </summary>
    public static async Task<(int Expected, int Missing, int Requests, int Unverified, int Duplicates, double Waited)?> CheckAsync(Options options, string outDir)
    {
        var secretsPath = Path.Combine(outDir, SecretsFile);
        if (!File.Exists(secretsPath)) return null;
        var apps = JsonSerializer.Deserialize<Dictionary<string, string>>(await File.ReadAllTextAsync(secretsPath))!.Keys.ToList();
        var expected = new HashSet<(string, long)>();
        await using (var connection = new MySqlConnection(options.Text("mysql")))
        {
            await connection.OpenAsync();
            await using var command = new MySqlCommand(
                $"SELECT a.token, f.seq FROM feed f JOIN applications a ON a.id = f.application_id WHERE f.type <> 'void' AND a.token IN ({string.Join(',', apps.Select((_, i) => $"@t{i}"))})",
                connection);
            for (var i = 0; i < apps.Count; i++) command.Parameters.AddWithValue($"@t{i}", apps[i]);
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) expected.Add((reader.GetString(0), reader.GetInt64(1)));
        }
        var clock = Stopwatch.StartNew();
        var wait = TimeSpan.FromSeconds(options.Number("hooks-wait", 120));
        List<Line> received;
        while (true)
        {
            received = Read(outDir);
            var got = received.Where(l => l.Verified).Select(l => (l.App, l.Seq)).ToHashSet();
            if (expected.IsSubsetOf(got) || clock.Elapsed > wait) break;
            await Task.Delay(1000);
        }
        var delivered = received.Where(l => l.Verified).Select(l => (l.App, l.Seq)).ToHashSet();
        return (expected.Count, expected.Count(e => !delivered.Contains(e)), received.Count, received.Count(l => !l.Verified),
            received.Count - received.Select(l => (l.App, l.Seq)).Distinct().Count(), clock.Elapsed.TotalSeconds);
    }

    private static List<Line> Read(string outDir)
    {
        var path = Path.Combine(outDir, ReceivedFile);
        if (!File.Exists(path)) return [];
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<Line>();
        while (reader.ReadLine() is { } line)
            if (line.Length > 0 && line.EndsWith('}')) lines.Add(JsonSerializer.Deserialize<Line>(line)!);
        return lines;
    }
}
