using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Security;

/// <summary>Bad input is the client's mistake: never a 5xx, never an unhandled exception, always a clean problem.</summary>
public sealed class FuzzTests
{
    private const int Requests = 12_000;

    /// <summary>FUZZ_SEED replays another run; the default keeps CI deterministic.</summary>
    private static int Seed => int.TryParse(Environment.GetEnvironmentVariable("FUZZ_SEED"), out var seed) ? seed : 20261122;

    [Test]
    public async Task TwelveThousandMalformedRequestsGetNo5xxNoUnhandledExceptionAndCleanProblems()
    {
        // Every request should reach its handler, not stop at the rate limiter.
        await using var api = new ApiFactory(new Dictionary<string, string?> { ["RateLimit:PermitsPerSecond"] = "1000000" });
        var client = api.CreateClient();
        var token = await api.CreateApplicationAsync("fuzz");
        await client.CreateChatAsync(token, new { name = "fixture" });
        await client.PostMessageAsync(token, 1, "fixture");

        var fuzzer = new RequestFuzzer(Seed, token);
        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        var perEndpoint = new ConcurrentDictionary<string, int>();
        var accepted = new ConcurrentQueue<string>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, Requests), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var fuzzed = fuzzer.Create(i);
            perEndpoint.AddOrUpdate(fuzzed.Endpoint.ToString(), 1, (_, n) => n + 1);
            try
            {
                using var request = fuzzed.ToHttpRequest();
                using var response = await client.SendAsync(request, ct);
                var body = await response.Content.ReadAsStringAsync(ct);
                statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
                if (response.StatusCode == HttpStatusCode.Created && response.Headers.Location is { } location) accepted.Enqueue(location.ToString());
                if (Flaw(fuzzed, response, body) is { } flaw)
                    failures.Enqueue($"#{i} {flaw}: {fuzzed} -> {(int)response.StatusCode} {Clip(body)}");
            }
            catch (Exception e)
            {
                failures.Enqueue($"#{i} the request threw {e.GetType().Name}: {e.Message}: {fuzzed}");
            }
        });

        TestContext.Progress.WriteLine($"Fuzz seed {Seed}: {Requests} requests in {clock.Elapsed.TotalSeconds:0.0} s; statuses " +
            string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")));
        Assert.That(perEndpoint.Keys, Is.EquivalentTo(Surface.Endpoints.Select(e => e.ToString())), "every endpoint was fuzzed");
        var (unpersisted, workerErrors) = await PersistAsync(token, accepted);
        var errors = api.Logs.Errors;
        Assert.Multiple(() =>
        {
            Assert.That(failures, Is.Empty, $"{failures.Count} flawed answers (FUZZ_SEED={Seed}), first ones:\n" + string.Join("\n", failures.Take(40)));
            Assert.That(errors, Is.Empty, "no unhandled exception or error was logged:\n" +
                string.Join("\n", errors.GroupBy(e => e.Message).Select(g => $"{g.Count()}× {g.First()}").Take(20)));
            Assert.That(unpersisted, Is.Empty, "every chat and message accepted with a 201 is persisted by the worker");
            Assert.That(workerErrors, Is.Empty, "the worker persisted what the API accepted without rejecting any of it");
        });
    }

    /// <summary>
    /// The same fuzzing against an application in <c>user_tokens</c> mode, each request carrying no credential, a malformed
    /// header, an expired, foreign-signed or unsigned user token, or a valid token of a user who is not a member of the
    /// fixture chat: still no 5xx, and no 2xx wherever the credential or the act is forbidden (only what any user of the
    /// application may do, with a valid token, can succeed).
    /// </summary>
    [Test]
    public async Task FuzzedRequestsWithUserTokensGetNo5xxAndNo2xxWhereTheCallerIsForbidden()
    {
        const int requests = 4_000;
        await using var api = new ApiFactory(new Dictionary<string, string?> { ["RateLimit:PermitsPerSecond"] = "1000000" });
        var client = api.CreateClient();
        var (token, secret) = await client.CreateApplicationWithSecretAsync("user_tokens");
        await (await client.SendAsAsync(secret, HttpMethod.Post, $"/applications/{token}/chats", new { members = new[] { "bob" } }))
            .ShouldBeAsync(HttpStatusCode.Created);
        await (await client.SendAsAsync(secret, HttpMethod.Post, $"/applications/{token}/chats/1/messages", new { body = "fixture", sender = "bob" }))
            .ShouldBeAsync(HttpStatusCode.Created);
        var now = DateTimeOffset.UtcNow;
        var member = UserTokens.For(secret, Surface.Samples["user"]); // alice: a user of the application, not a member of chat 1
        string[] credentials =
        [
            "", member, UserTokens.For(secret, "mallory", TimeSpan.FromSeconds(-120)),
            UserTokens.For((await client.CreateApplicationWithSecretAsync()).Secret, "alice"),
            UserTokens.Sign("", new Dictionary<string, object> { ["sub"] = "alice", ["exp"] = now.AddHours(1).ToUnixTimeSeconds() }, "none"),
            "sk_" + new string('A', 43), "not.a.jwt",
        ];

        var fuzzer = new RequestFuzzer(Seed, token, credentials);
        var failures = new ConcurrentQueue<string>();
        var statuses = new ConcurrentDictionary<int, int>();
        await Parallel.ForEachAsync(Enumerable.Range(0, requests), new ParallelOptions { MaxDegreeOfParallelism = 16 }, async (i, ct) =>
        {
            var fuzzed = fuzzer.Create(i);
            using var request = fuzzed.ToHttpRequest();
            using var response = await client.SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            statuses.AddOrUpdate((int)response.StatusCode, 1, (_, n) => n + 1);
            // The member token may create chats (then it belongs to them): forbidden for it is chat 1 and managing the application.
            var forbidden = fuzzed.Endpoint.Access == Access.Token && (fuzzed.Credential != member
                || fuzzed.Endpoint.User == UserRule.ServerOnly || (fuzzed.Endpoint.User != UserRule.AnyUser && InChatOne(fuzzed.Url)));
            if (Flaw(fuzzed, response, body) is { } flaw) failures.Enqueue($"#{i} {flaw}: {fuzzed} -> {(int)response.StatusCode} {Clip(body)}");
            else if (forbidden && (int)response.StatusCode is >= 200 and < 300)
                failures.Enqueue($"#{i} a 2xx for a forbidden caller: {fuzzed} -> {(int)response.StatusCode} {Clip(body)}");
        });

        TestContext.Progress.WriteLine($"Fuzz with user tokens, seed {Seed}: {requests} requests; statuses " +
            string.Join(", ", statuses.OrderBy(s => s.Key).Select(s => $"{s.Key}×{s.Value}")));
        Assert.That(failures, Is.Empty, $"{failures.Count} flawed answers (FUZZ_SEED={Seed}), first ones:\n" + string.Join("\n", failures.Take(40)));
        Assert.That(api.Logs.Errors, Is.Empty, "no unhandled exception or error was logged");
        Assert.That(statuses.Keys, Does.Contain(401).And.Contain(403).And.Contain(404), "the forbidden callers were refused in each way");
    }

    /// <summary>
    /// Whatever odd input the API accepted, the worker must be able to write: a 201 that the worker rejects is a
    /// lost message. Runs a worker and returns the accepted resources missing from MySQL (a message may be gone
    /// with its chat, which a fuzzed DELETE removed) and the worker's error logs.
    /// </summary>
    private static async Task<(List<string> Missing, IReadOnlyList<LogEntry> Errors)> PersistAsync(string token, IReadOnlyCollection<string> locations)
    {
        var chats = locations.Where(l => l.Contains("/chats/") && !l.Contains("/messages/")).Select(l => int.Parse(l.Split('/')[^1])).ToHashSet();
        var messages = locations.Where(l => l.Contains("/messages/")).Select(l => (Chat: int.Parse(l.Split('/')[^3]), Number: int.Parse(l.Split('/')[^1]))).ToList();
        await using var worker = await WorkerHost.StartAsync();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        List<string> missing;
        do
        {
            var persistedChats = await Database.ChatsAsync(token);
            var persistedMessages = (await Database.MessagesAsync(token, includeDeleted: true)).Select(m => (m.Chat, m.Number)).ToHashSet();
            missing = chats.Where(c => !persistedChats.ContainsKey(c)).Select(c => $"chat {c}")
                .Concat(messages.Where(m => !persistedMessages.Contains(m) && persistedChats.GetValueOrDefault(m.Chat) is not true)
                    .Select(m => $"message {m.Chat}/{m.Number}"))
                .ToList();
            if (missing.Count > 0) await Task.Delay(200);
        } while (missing.Count > 0 && DateTime.UtcNow < deadline);
        return (missing, worker.Logs.Errors);
    }

    /// <summary>What is wrong with an answer to bad input, or null.</summary>
    private static string? Flaw(FuzzedRequest request, HttpResponseMessage response, string body)
    {
        var status = (int)response.StatusCode;
        if (status >= 500) return "server error";
        if (status < 400 || request.Method == "HEAD") return null;
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json") return "error without a problem+json body";
        if (body.Contains("   at ") || body.Contains("Exception") || body.Contains("System.") || body.Contains("Microsoft.") || body.Contains("Chat."))
            return "internals in the error body";
        return null;
    }


    private static bool InChatOne(string url) => System.Text.RegularExpressions.Regex.IsMatch(url, "/chats/(1|01|%2B1|\\+1)(/|\\?|$)");

    private static string Clip(string text) => text.Length <= 300 ? text : text[..300] + "…";
}
