using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;

namespace Chat.Chaos;

/// <summary>
/// Steady load through nginx: a few applications, each with a few chats, and <c>concurrency</c> clients that
/// together send about <c>rate</c> requests per second — mostly new messages from the chats' members, some new
/// chats, edits and deletions of their own messages, read receipts, and reads right after a write. Every request is
/// one line of requests.jsonl. Deterministic for a seed, except for what the faults do to the answers.
/// </summary>
public static class Load
{
    public static async Task<int> RunAsync(Options options)
    {
        var seed = options.Number("seed", 1);
        var duration = TimeSpan.FromSeconds(options.Number("duration", 60));
        var rate = options.Number("rate", 200);
        var concurrency = options.Number("concurrency", 16);
        var outDir = options.Text("out");
        Directory.CreateDirectory(outDir);

        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = concurrency * 2 })
        {
            BaseAddress = new Uri(options.Text("base")),
            Timeout = TimeSpan.FromSeconds(30),
        };
        await using var log = new RecordLog(Path.Combine(outDir, "requests.jsonl"));
        var run = new Run(http, log, seed);
        var hooksPort = options.Number("hooks-port", 0);

        // Set-up before any fault: retried until it works, and recorded like the rest so it is checked too.
        for (var a = 0; a < options.Number("apps", 4); a++)
        {
            var token = await run.UntilOkAsync(() => run.CreateApplicationAsync($"chaos seed {seed} app {a}"));
            // Every application sends its whole feed to the chaos receiver (Hooks), which is down for a while during the
            // load: registered before its first chat, so every change of the application is expected there.
            if (hooksPort > 0) await run.UntilOkAsync(() => run.RegisterWebhookAsync(token, $"http://127.0.0.1:{hooksPort}/hooks"));
            for (var c = 0; c < options.Number("chats", 4); c++) await run.UntilOkAsync(() => run.CreateChatAsync(token));
        }
        if (hooksPort > 0)
        {
            // Written aside and renamed into place: the receiver reads the file as the first events arrive, and a torn read
            // made it judge three signatures unverified in a run (seed 2101) whose deliveries were all signed right.
            var secrets = Path.Combine(outDir, Hooks.SecretsFile);
            await File.WriteAllTextAsync(secrets + ".tmp", JsonSerializer.Serialize(run.SigningSecrets));
            File.Move(secrets + ".tmp", secrets, overwrite: true);
        }
        await File.WriteAllTextAsync(Path.Combine(outDir, "started"), $"{run.Seconds:0.000}\n");
        Console.WriteLine($"load: {run.Apps.Count} applications ready; {rate} requests/s from {concurrency} clients for {duration.TotalSeconds:0} s (seed {seed})");

        // The load lasts the duration, and on until scripts/chaos writes the stop file (its faults may take longer).
        var end = run.Clock.Elapsed + duration;
        var stopFile = Path.Combine(outDir, "stop");
        bool Done() => run.Clock.Elapsed >= end && (File.Exists(stopFile) || run.Clock.Elapsed >= end + TimeSpan.FromMinutes(5));
        // One feed follower per application beside the clients (promise 16); each reads on to the end of its feed.
        await using var feedLog = new StreamWriter(Path.Combine(outDir, "feed.jsonl"));
        var follower = new FeedFollower(http, run.Clock, feedLog, TimeSpan.FromSeconds(options.Number("gap-timeout", 30) + 5));
        var followers = run.Apps.Select(app => follower.FollowAsync(app, Done)).ToList();
        await Task.WhenAll(Enumerable.Range(0, concurrency).Select(w => run.ClientAsync(w, Done, TimeSpan.FromSeconds((double)concurrency / rate))));
        var all = log.Counts;
        Console.WriteLine($"load: {all.Values.Sum()} requests: " + string.Join(", ", all.OrderBy(k => k.Key).Select(k => $"{k.Key} {k.Value}")));
        await Task.WhenAll(followers);
        Console.WriteLine($"load: the feed followers reached the end of {followers.Count} feeds");
        return 0;
    }

    private sealed class Run(HttpClient http, RecordLog log, int seed)
    {
        /// <summary>Every chat's members, and the only senders: their unread counts are checked after the run.</summary>
        public static readonly string[] Members = ["alice", "bob", "carol"];

        public Stopwatch Clock { get; } = Stopwatch.StartNew();
        public List<string> Apps { get; } = [];
        private readonly ConcurrentDictionary<string, ConcurrentBag<int>> _chats = new();
        private long _sequence;

        public double Seconds => Clock.Elapsed.TotalSeconds;

        public async Task<string> UntilOkAsync(Func<Task<(bool Ok, string Value)>> attempt)
        {
            var deadline = Clock.Elapsed + TimeSpan.FromSeconds(60);
            while (true)
            {
                var (ok, value) = await attempt();
                if (ok) return value;
                if (Clock.Elapsed > deadline) throw new InvalidOperationException("set-up requests kept failing for 60 s");
                await Task.Delay(500);
            }
        }

        public async Task<(bool, string)> CreateApplicationAsync(string name)
        {
            var answer = await SendAsync(HttpMethod.Post, "/applications", new { name });
            if (!answer.Ok) return (false, "");
            var token = answer.Json.GetProperty("token").GetString()!;
            Apps.Add(token);
            _secrets[token] = answer.Json.GetProperty("secret").GetString()!;
            _chats[token] = [];
            return (true, token);
        }

        private readonly ConcurrentDictionary<string, string> _secrets = new();

        /// <summary>Each application's webhook signing secret, for the receiver.</summary>
        public Dictionary<string, string> SigningSecrets { get; } = [];

        /// <summary>Registers a webhook for every event (server role: the application secret); not a recorded request.</summary>
        public async Task<(bool, string)> RegisterWebhookAsync(string token, string url)
        {
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, $"/applications/{token}/webhooks")
                {
                    Content = JsonContent.Create(new { url, events = new[] { "*" } }),
                };
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", _secrets[token]);
                using var response = await http.SendAsync(request);
                if (!response.IsSuccessStatusCode) return (false, "");
                var created = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
                lock (SigningSecrets) SigningSecrets[token] = created.GetProperty("signing_secret").GetString()!;
                return (true, token);
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                return (false, "");
            }
        }

        public async Task<(bool, string)> CreateChatAsync(string token)
        {
            var answer = await SendAsync(HttpMethod.Post, $"/applications/{token}/chats", new { name = $"chat {Interlocked.Increment(ref _sequence)}", members = Members });
            int? number = answer.Ok ? answer.Json.GetProperty("number").GetInt32() : null;
            Write(answer, "chat", token, number ?? 0, null, null);
            if (number is { } n) _chats[token].Add(n);
            return (answer.Ok, $"{number}");
        }

        /// <summary>One client: paced to its share of the rate, so a slow answer does not turn into a burst later.</summary>
        public async Task ClientAsync(int client, Func<bool> done, TimeSpan interval)
        {
            var random = new Random(seed * 1000 + client);
            var mine = new List<(string App, int Chat, int Number, string Body)>();
            var next = Clock.Elapsed;
            for (var n = 0; !done(); n++)
            {
                next = next + interval < Clock.Elapsed ? Clock.Elapsed : next + interval;
                // Read the clock once: checked and then read again, the wait could turn negative in between.
                var wait = next - Clock.Elapsed;
                if (wait > TimeSpan.Zero) await Task.Delay(wait);
                var app = Apps[random.Next(Apps.Count)];
                var roll = random.Next(100);
                if (roll < 3)
                {
                    await CreateChatAsync(app);
                }
                else if (roll < 6 && mine.Count > 0)
                {
                    // Whether it answers or not, the message may be gone: it is not edited or deleted again.
                    var index = random.Next(mine.Count);
                    var (token, chat, number, _) = mine[index];
                    mine.RemoveAt(index);
                    Write(await SendAsync(HttpMethod.Delete, $"/applications/{token}/chats/{chat}/messages/{number}", null), "delete", token, chat, number, null);
                }
                else if (roll < 10 && mine.Count > 0)
                {
                    // A member reads a chat up to a message this client sent there (never past the chat's last number).
                    var (token, chat, number, _) = mine[random.Next(mine.Count)];
                    var answer = await SendAsync(HttpMethod.Post, $"/applications/{token}/chats/{chat}/receipts",
                        new { user = Members[random.Next(Members.Length)], read_up_to = number });
                    Write(answer, "receipt", token, chat, number, null);
                }
                else if (roll < 16 && mine.Count > 0)
                {
                    var index = random.Next(mine.Count);
                    var (token, chat, number, body) = mine[index];
                    var edited = $"{body}+e{n}";
                    var answer = await SendAsync(HttpMethod.Patch, $"/applications/{token}/chats/{chat}/messages/{number}", new { body = edited });
                    Write(answer, "edit", token, chat, number, edited);
                    mine[index] = (token, chat, number, edited);
                }
                else
                {
                    var chats = _chats[app].ToArray();
                    var chat = chats[random.Next(chats.Length)];
                    var body = $"s{seed}-c{client}-{n}";
                    var answer = await SendAsync(HttpMethod.Post, $"/applications/{app}/chats/{chat}/messages", new { body, sender = Members[random.Next(Members.Length)] });
                    int? number = answer.Ok ? answer.Json.GetProperty("number").GetInt32() : null;
                    Write(answer, "message", app, chat, number, body);
                    if (number is not { } created) continue;
                    mine.Add((app, chat, created, body));
                    if (random.Next(10) == 0)
                    {
                        // Read-your-writes: through nginx, so any replica may answer.
                        var read = await SendAsync(HttpMethod.Get, $"/applications/{app}/chats/{chat}/messages/{created}", null);
                        var same = read.Ok && read.Json.GetProperty("body").GetString() == body;
                        Write(read with { Outcome = read.Ok && !same ? "failed" : read.Outcome }, "read", app, chat, created, body);
                    }
                }
            }
        }

        private void Write(Answer answer, string op, string app, int chat, int? number, string? body) =>
            log.Add(new Record(Interlocked.Increment(ref _sequence), Math.Round(answer.At, 3), op, app, chat, number, body, answer.Status,
                answer.Outcome, Math.Round(answer.Ms, 1), answer.RetryAfter));

        private async Task<Answer> SendAsync(HttpMethod method, string url, object? body)
        {
            var started = Clock.Elapsed;
            double Ms() => (Clock.Elapsed - started).TotalMilliseconds;
            try
            {
                using var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
                using var response = await http.SendAsync(request);
                var text = await response.Content.ReadAsStringAsync();
                var status = (int)response.StatusCode;
                var ok = status is >= 200 and < 300;
                return new Answer(started.TotalSeconds, status, ok ? "ok" : "failed", Ms(), response.Headers.RetryAfter?.ToString(),
                    ok && text.Length > 0 ? JsonDocument.Parse(text).RootElement.Clone() : default);
            }
            catch (HttpRequestException e) when (e.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
            {
                return new Answer(started.TotalSeconds, 0, "failed", Ms(), null, default); // never reached the server
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException)
            {
                return new Answer(started.TotalSeconds, 0, "indeterminate", Ms(), null, default);
            }
        }
    }

    private sealed record Answer(double At, int Status, string Outcome, double Ms, string? RetryAfter, JsonElement Json)
    {
        public bool Ok => Outcome == "ok";
    }

    /// <summary>requests.jsonl, written by one lock-protected writer (a few hundred lines a second).</summary>
    private sealed class RecordLog(string path) : IAsyncDisposable
    {
        private readonly StreamWriter _writer = new(path);
        private readonly Dictionary<string, int> _counts = [];

        public IReadOnlyDictionary<string, int> Counts
        {
            get { lock (_writer) return new Dictionary<string, int>(_counts); }
        }

        public void Add(Record record)
        {
            var line = JsonSerializer.Serialize(record, Record.Json);
            lock (_writer)
            {
                _writer.WriteLine(line);
                var key = $"{record.Op} {record.Outcome}";
                _counts[key] = _counts.GetValueOrDefault(key) + 1;
            }
        }

        public async ValueTask DisposeAsync() => await _writer.DisposeAsync();
    }
}
