using Chat.Contracts;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Security;

/// <summary>
/// OWASP API1 (broken object level authorization): an application token reaches its own chats and messages
/// and nothing else. Every endpoint of <see cref="Surface"/> is called with tokens other than the owner's;
/// each answer must be the same 404, so not even the existence of another tenant's data leaks.
/// </summary>
public sealed class TenantIsolationTests
{
    private ApiFactory _api = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _api = new ApiFactory(new Dictionary<string, string?> { ["RateLimit:PermitsPerSecond"] = "1000000" });
        _client = _api.CreateClient();
    }

    [OneTimeTearDown]
    public async Task Stop() => await _api.DisposeAsync();

    [Test]
    public async Task EveryEndpointAnswersTheSame404ToEveryTokenButTheOwners()
    {
        // B owns persisted and pending chats and messages; A owns nothing; D was deleted with a chat in it.
        var owner = await _api.CreateApplicationAsync("B");
        await PostAsync($"/applications/{owner}/chats", new { name = "b-chat-1", members = new[] { Surface.Samples["user"], "bob" } });
        await PostAsync($"/applications/{owner}/chats/1/messages", new { body = "b-secret-1" });
        await PostAsync($"/applications/{owner}/chats/1/messages", new { body = "b-secret-2" });
        await using (await WorkerHost.StartAsync())
            await WorkerHost.WaitForMessagesAsync(owner, 2);
        await PostAsync($"/applications/{owner}/chats/1/messages", new { body = "b-secret-3" });
        await PostAsync($"/applications/{owner}/chats", new { name = "b-chat-2" });
        await PostAsync($"/applications/{owner}/chats/2/messages", new { body = "b-secret-4" });
        var other = await _api.CreateApplicationAsync("A");
        var deleted = await _api.CreateApplicationAsync("D");
        await PostAsync($"/applications/{deleted}/chats", new { name = "d-chat" });
        await PostAsync($"/applications/{deleted}/chats/1/messages", new { body = "d-secret" });
        await (await _client.DeleteAsync($"/applications/{deleted}")).ShouldBeAsync(HttpStatusCode.NoContent);

        var strangers = new Dictionary<string, string>
        {
            ["another application's token"] = other,
            ["a deleted application's token"] = deleted,
            ["a random token"] = ApplicationToken.New(),
            ["the owner's token in another case"] = FlipCase(owner),
            ["the owner's token with one character changed"] = (owner[0] == 'A' ? "B" : "A") + owner[1..],
        };
        (int Chat, int Message)[] targets = [(1, 1), (1, 3), (2, 1), (1, 99), (99, 1)];

        var answers = new List<(string Request, HttpStatusCode Status, string? ContentType, string Body)>();
        foreach (var endpoint in Surface.Endpoints.Where(e => e.Access == Access.Token))
        foreach (var (stranger, token) in strangers)
        {
            // With its own token, A may of course use the endpoints that name no chat: they are A's own data.
            if (token == other && !endpoint.Placeholders.Contains("chat")) continue;
            foreach (var (chat, message) in endpoint.Placeholders.Contains("chat") ? targets : targets[..1])
            {
                using var response = await SendAsync(endpoint, endpoint.Url(token, chat, message));
                answers.Add(($"{endpoint} as {stranger} on {chat}/{message}", response.StatusCode,
                    response.Content.Headers.ContentType?.ToString(), await response.Content.ReadAsStringAsync()));
            }
        }
        // The owner's own misses and an unknown route must look exactly the same, whatever the client accepts.
        foreach (var (url, accept) in new[] { ($"/applications/{owner}/chats/99", "*/*"), ($"/applications/{owner}/chats/1/messages/99", "text/html"),
                     ("/applications/x/nothing", "application/xml") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { { "Accept", accept } } };
            using var response = await _client.SendAsync(request);
            answers.Add(($"GET {url} accepting {accept}", response.StatusCode, response.Content.Headers.ContentType?.ToString(),
                await response.Content.ReadAsStringAsync()));
        }

        Assert.That(answers.Where(a => a.Status != HttpStatusCode.NotFound).Select(a => $"{a.Request}: {(int)a.Status} {a.Body}"), Is.Empty,
            "every request with a token other than the owner's is a 404");
        Assert.That(answers.Select(a => a.ContentType).Distinct(), Is.EqualTo(new[] { "application/problem+json" }));
        var shapes = answers.GroupBy(a => Normalized(a.Body)).ToList();
        Assert.That(shapes, Has.Count.EqualTo(1), "one 404 body for all: " + string.Join(" | ", shapes.Select(s => $"{s.Key} ({s.First().Request})")));
        Assert.That(answers, Has.Count.GreaterThan(200));

        // Nothing was changed or deleted, and the same requests work with the owner's token.
        // (Those that need the secret answer 401 to the token alone; the authorization matrix calls them with it.)
        foreach (var endpoint in Surface.Endpoints.Where(e => e.Access == Access.Token && e.Method == "GET" && !Surface.NeedsSecret(e)))
            await (await _client.GetAsync(endpoint.Url(owner))).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That((await GetAsync($"/applications/{owner}/chats/1")).GetProperty("name").GetString(), Is.EqualTo("b-chat-1"));
        Assert.That((await GetAsync($"/applications/{owner}/chats/2")).GetProperty("name").GetString(), Is.EqualTo("b-chat-2"));
        var history = (await GetAsync($"/applications/{owner}/chats/1/messages")).GetProperty("data").EnumerateArray();
        Assert.That(history.Select(m => m.GetProperty("body").GetString()), Is.EqualTo(new[] { "b-secret-3", "b-secret-2", "b-secret-1" }));
        Assert.That((await GetAsync($"/applications/{owner}/chats/2/messages/1")).GetProperty("body").GetString(), Is.EqualTo("b-secret-4"));
        Assert.That((await GetAsync($"/applications/{other}/chats")).GetProperty("data").GetArrayLength(), Is.Zero, "A sees none of B's chats");
    }

    [Test]
    public async Task AdminEndpointsRefuseEveryCallerWithoutTheAdminKey()
    {
        var token = await _api.CreateApplicationAsync();
        var answers = new List<(string Request, HttpStatusCode Status, string Body)>();
        foreach (var endpoint in Surface.Endpoints.Where(e => e.Access == Access.Admin))
        foreach (var key in new string?[] { null, "", token, "test-admin-key-wrong", TestServices.AdminKey.ToUpperInvariant(), TestServices.AdminKey + " " })
        {
            using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), endpoint.Url(token));
            if (key is not null) request.Headers.TryAddWithoutValidation("X-Admin-Key", key);
            using var response = await _client.SendAsync(request);
            answers.Add(($"{endpoint} with key '{key}'", response.StatusCode, await response.Content.ReadAsStringAsync()));
            Assert.That(response.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
        }
        Assert.That(answers.Where(a => a.Status is not (HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden))
            .Select(a => $"{a.Request}: {(int)a.Status}"), Is.Empty);
        foreach (var status in answers.GroupBy(a => a.Status))
            Assert.That(status.Select(a => Normalized(a.Body)).Distinct().Count(), Is.EqualTo(1), $"one {status.Key} body for all");

        // Control: the right key opens them.
        foreach (var endpoint in Surface.Endpoints.Where(e => e.Access == Access.Admin))
        {
            using var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), endpoint.Url(token));
            request.Headers.Add("X-Admin-Key", TestServices.AdminKey);
            using var response = await _client.SendAsync(request);
            Assert.That((int)response.StatusCode, Is.InRange(200, 299), endpoint.ToString());
        }
    }

    private async Task PostAsync(string url, object body) =>
        await (await _client.PostAsJsonAsync(url, body)).ShouldBeAsync(HttpStatusCode.Created);

    private async Task<JsonElement> GetAsync(string url) => await (await _client.GetAsync(url)).ShouldBeAsync(HttpStatusCode.OK);

    private Task<HttpResponseMessage> SendAsync(Endpoint endpoint, string url)
    {
        var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), url);
        if (endpoint.HasBody) request.Content = new StringContent(endpoint.ValidJson(), System.Text.Encoding.UTF8, "application/json");
        return _client.SendAsync(request);
    }

    /// <summary>The body without its per-request trace id.</summary>
    private static string Normalized(string body)
    {
        var json = JsonNode.Parse(body)!.AsObject();
        json.Remove("trace_id");
        return json.ToJsonString();
    }

    private static string FlipCase(string token) =>
        new(token.Select(c => char.IsUpper(c) ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c)).ToArray());
}
