using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;

namespace Chat.Tests.Security;

/// <summary>
/// Promise 15 (OWASP API1/API5): nobody acts as another user. Every endpoint of <see cref="Surface"/> and every hub method is
/// called with each forbidden credential or act, and must answer exactly as API.md says: 401 for a missing (in
/// <c>user_tokens</c> mode) or bad credential, 403 for a forbidden act, 404 for a chat the user may not see; never a 2xx.
/// The same requests then succeed with the right credential, so each refusal is the rule's and not the request's fault.
/// </summary>
public sealed class AuthorizationMatrixTests
{
    private const string U = "alice";
    private const string V = "bob";

    private ApiFactory _api = null!;
    private HttpClient _client = null!;
    private App _locked = null!;
    private App _open = null!;
    private string _foreignSecret = null!;

    /// <summary>An application and its secret. Its chats: 1 (alice, bob; messages 1 by bob, 2 by alice), 2 (bob, carol: alice may
    /// not see it; message 1), 3 (no members: an open chat; message 1), 4 (alice, carol: alice leaves it), 5 (alice: alice deletes it).</summary>
    private sealed record App(string Token, string Secret);

    private enum Case
    {
        NoCredentialInUserTokensMode,
        ExpiredUserToken,
        UserTokenSignedWithAnotherApplicationsSecret,
        AlgNone,
        AlgHs512,
        UserTokenWithoutSub,
        UActingForV,
        NonMember,
        ReaderButNotMember,
        UserTokenOnServerOnlyRoute,
        ExpiredUserTokenInOpenMode,
        UActingForVInOpenMode,
    }

    [OneTimeSetUp]
    public async Task StartAsync()
    {
        _api = new ApiFactory(new Dictionary<string, string?> { ["RateLimit:PermitsPerSecond"] = "1000000", ["Realtime:JoinsPerSecond"] = "1000" });
        _client = _api.CreateClient();
        _locked = await CreateAsync("user_tokens");
        _open = await CreateAsync("open");
        _foreignSecret = (await CreateAsync("open")).Secret;
    }

    [OneTimeTearDown]
    public async Task StopAsync() => await _api.DisposeAsync();

    [Test]
    public async Task EveryEndpointAndHubMethodRefusesEveryForbiddenCallerWithExactlyTheDocumentedStatus()
    {
        var answers = new List<(string Request, int Expected, int Actual, string Body)>();
        foreach (var endpoint in Surface.Endpoints.Where(e => e.Access == Access.Token))
        foreach (var @case in Enum.GetValues<Case>())
        {
            if (Expected(endpoint, @case) is not { } expected) continue;
            using var response = await _client.SendAsync(Request(endpoint, @case));
            answers.Add(($"{endpoint} {@case}", expected, (int)response.StatusCode, await response.Content.ReadAsStringAsync()));
        }
        var hub = await HubAnswersAsync();
        TestContext.Progress.WriteLine($"Authorization matrix: {answers.Count} HTTP cases over {Surface.Endpoints.Count(e => e.Access == Access.Token)} " +
                                       $"endpoints and {hub.Count} hub cases, {answers.Count + hub.Count} in all");

        Assert.Multiple(() =>
        {
            Assert.That(answers.Concat(hub).Where(a => a.Actual is >= 200 and < 300).Select(Describe), Is.Empty, "no 2xx");
            Assert.That(answers.Concat(hub).Where(a => a.Actual != a.Expected).Select(Describe), Is.Empty, "exactly the documented status");
            Assert.That(answers.Where(a => a.Actual >= 400).Where(a => !a.Body.Contains("\"status\":" + a.Actual)).Select(Describe), Is.Empty,
                "every refusal is problem+json");
            Assert.That(Surface.Endpoints.Where(e => e.Access == Access.Token).Where(e => !answers.Any(a => a.Request.StartsWith(e + " "))),
                Is.Empty, "every endpoint is in the matrix");
            Assert.That(Surface.HubMethods.Where(m => !hub.Any(h => h.Request.StartsWith(m))), Is.Empty, "every hub method is in the matrix");
        });

        await TheSameRequestsSucceedWithTheRightCredentialAsync();
    }

    /// <summary>The status API.md gives the case on the endpoint; null when the case does not apply to it.</summary>
    private static int? Expected(Endpoint endpoint, Case @case) => @case switch
    {
        Case.NoCredentialInUserTokensMode or Case.ExpiredUserToken or Case.UserTokenSignedWithAnotherApplicationsSecret or Case.AlgNone
            or Case.AlgHs512 or Case.UserTokenWithoutSub or Case.ExpiredUserTokenInOpenMode => 401,
        Case.UActingForV or Case.UActingForVInOpenMode => endpoint.ActsFor is not null ? 403 : null,
        Case.NonMember => endpoint.Placeholders.Contains("chat") ? 404 : null,
        Case.ReaderButNotMember => endpoint.User == UserRule.Member ? 403 : null,
        Case.UserTokenOnServerOnlyRoute => endpoint.User == UserRule.ServerOnly ? 403 : null,
        _ => throw new ArgumentOutOfRangeException(nameof(@case)),
    };

    private HttpRequestMessage Request(Endpoint endpoint, Case @case)
    {
        var app = @case is Case.ExpiredUserTokenInOpenMode or Case.UActingForVInOpenMode ? _open : _locked;
        var now = DateTimeOffset.UtcNow;
        var credential = @case switch
        {
            Case.NoCredentialInUserTokensMode => null,
            Case.ExpiredUserToken or Case.ExpiredUserTokenInOpenMode => UserTokens.Sign(app.Secret, Claims(U, now.AddHours(-1), now.AddMinutes(-5))),
            Case.UserTokenSignedWithAnotherApplicationsSecret => UserTokens.For(_foreignSecret, U),
            Case.AlgNone => UserTokens.Sign("", Claims(U, now, now.AddHours(1)), "none"),
            Case.AlgHs512 => UserTokens.Sign(app.Secret, Claims(U, now, now.AddHours(1)), "HS512"),
            Case.UserTokenWithoutSub => UserTokens.Sign(app.Secret, new Dictionary<string, object> { ["iat"] = now.ToUnixTimeSeconds(), ["exp"] = now.AddHours(1).ToUnixTimeSeconds() }),
            _ => UserTokens.For(app.Secret, U),
        };
        var (chat, message, actor) = @case switch
        {
            Case.UActingForV or Case.UActingForVInOpenMode => (1, 1, V), // message 1 is bob's
            Case.NonMember => (2, 1, U),
            Case.ReaderButNotMember => (3, 1, U),
            _ => (1, 2, U), // message 2 is alice's
        };
        return Build(endpoint, app.Token, chat, message, actor, credential);
    }

    /// <summary>A valid request of the endpoint, acting for <paramref name="actor"/> wherever it names a user.</summary>
    /// <summary>Each application's webhook, for the <c>{webhook}</c> of the webhook routes.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> Webhooks = new();

    private static HttpRequestMessage Build(Endpoint endpoint, string token, int chat, int message, string actor, string? credential)
    {
        var url = endpoint.Url(new Dictionary<string, string>
        {
            ["token"] = token, ["chat"] = $"{chat}", ["message"] = $"{message}", ["user"] = actor,
            ["webhook"] = Webhooks.GetValueOrDefault(token, Surface.Samples["webhook"]),
        });
        var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), url);
        if (endpoint.HasBody)
        {
            var values = new Dictionary<string, string>(Surface.WebhookBody) { ["grace_seconds"] = "0" };
            if (endpoint.ActsFor?.StartsWith("body:") == true) values[endpoint.ActsFor["body:".Length..]] = JsonSerializer.Serialize(actor);
            request.Content = new StringContent(endpoint.ValidJson(values), Encoding.UTF8, "application/json");
        }
        if (credential is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", credential);
        return request;
    }

    /// <summary>The hub: bad credentials are refused when connecting; then Join and Typing per case, by the status their refusal names.</summary>
    private async Task<List<(string Request, int Expected, int Actual, string Body)>> HubAnswersAsync()
    {
        var answers = new List<(string, int, int, string)>();
        var now = DateTimeOffset.UtcNow;
        foreach (var (name, credential) in new[]
                 {
                     ("expired user token", UserTokens.Sign(_locked.Secret, Claims(U, now.AddHours(-1), now.AddMinutes(-5)))),
                     ("another application's signature", UserTokens.For(_foreignSecret, U)),
                     ("alg none", UserTokens.Sign("", Claims(U, now, now.AddHours(1)), "none")),
                     ("the open application's expired user token", UserTokens.Sign(_open.Secret, Claims(U, now.AddHours(-1), now.AddMinutes(-5)))),
                 })
        {
            var application = name.Contains("open") ? _open.Token : _locked.Token;
            var status = 0;
            try
            {
                await using var connected = await HubClient.ConnectAsync(_api, credential, application);
                status = 200;
            }
            catch (HttpRequestException e)
            {
                status = (int?)e.StatusCode ?? 0;
            }
            foreach (var method in Surface.HubMethods) answers.Add(($"{method} (connecting with {name})", 401, status, ""));
        }

        await using (var anonymous = await HubClient.ConnectAsync(_api))
        {
            answers.Add(await InvokeAsync(anonymous, "Join with no credential in user_tokens mode", 401, "Join", _locked.Token, 1, null));
            answers.Add(await InvokeAsync(anonymous, "Typing with no credential in user_tokens mode", 403, "Typing", _locked.Token, 1));
        }
        await using (var alice = await HubClient.ConnectAsync(_api, UserTokens.For(_locked.Secret, U), _locked.Token))
        {
            answers.Add(await InvokeAsync(alice, "Join as U acting for V", 403, "Join", _locked.Token, 1, V));
            answers.Add(await InvokeAsync(alice, "Join as a non-member, watching", 404, "Join", _locked.Token, 2, null));
            answers.Add(await InvokeAsync(alice, "Join as a non-member, as U", 404, "Join", _locked.Token, 2, U));
            answers.Add(await InvokeAsync(alice, "Join another application's chat", 404, "Join", _open.Token, 1, null));
            answers.Add(await InvokeAsync(alice, "Typing as a non-member", 403, "Typing", _locked.Token, 2));
        }
        return answers;
    }

    private static async Task<(string, int, int, string)> InvokeAsync(HubClient client, string what, int expected, string method, params object?[] args)
    {
        try
        {
            await client.Connection.InvokeCoreAsync(method, typeof(object), args);
            return ($"{method}: {what}", expected, 200, "");
        }
        catch (Microsoft.AspNetCore.SignalR.HubException e)
        {
            // "An unexpected error occurred invoking 'Join' on the server. HubException: 404 Not Found: …"
            var status = int.Parse(e.Message[(e.Message.IndexOf("HubException: ", StringComparison.Ordinal) + 14)..][..3]);
            return ($"{method}: {what}", expected, status, e.Message);
        }
    }

    /// <summary>Controls: each request of the matrix succeeds for U acting as U where U may, and for the server role.</summary>
    private async Task TheSameRequestsSucceedWithTheRightCredentialAsync()
    {
        var failures = new List<string>();
        var userToken = UserTokens.For(_locked.Secret, U);
        // Deletions last, each on a target of its own, so they take nothing from the others.
        var endpoints = Surface.Endpoints.Where(e => e.Access == Access.Token && !e.Route.EndsWith("/rotate"))
            .Where(e => !(e.Method == "DELETE" && e.Route == "/applications/{token}")).OrderBy(e => e.Method == "DELETE").ToList();
        foreach (var endpoint in endpoints)
        {
            var credential = endpoint.User == UserRule.ServerOnly ? _locked.Secret : userToken;
            var chat = endpoint is { Method: "DELETE", Route: "/applications/{token}/chats/{chat}/members/{user}" } ? 4
                : endpoint is { Method: "DELETE", Route: "/applications/{token}/chats/{chat}" } ? 5 : 1;
            using var response = await _client.SendAsync(Build(endpoint, _locked.Token, chat, 2, U, credential));
            if ((int)response.StatusCode is < 200 or >= 300)
                failures.Add($"{endpoint} as {(credential == userToken ? "U" : "the server")}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
        await using (var alice = await HubClient.ConnectAsync(_api, userToken, _locked.Token))
        {
            await alice.JoinAsync(_locked.Token, 1, U);
            await alice.JoinAsync(_locked.Token, 3);
            await alice.Connection.InvokeAsync("Typing", _locked.Token, 1);
        }
        Assert.That(failures, Is.Empty, "the refused requests are otherwise valid");
    }

    private async Task<App> CreateAsync(string mode)
    {
        using var created = await _client.PostAsJsonAsync("/applications", new { name = $"matrix {mode}", auth_mode = mode });
        var body = await created.ShouldBeAsync(HttpStatusCode.Created);
        var app = new App(body.GetProperty("token").GetString()!, body.GetProperty("secret").GetString()!);
        var server = new AuthenticationHeaderValue("Bearer", app.Secret);
        async Task PostAsync(string path, object json)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/applications/{app.Token}{path}") { Content = JsonContent.Create(json) };
            request.Headers.Authorization = server;
            await (await _client.SendAsync(request)).ShouldBeAsync(HttpStatusCode.Created);
        }
        await PostAsync("/chats", new { members = new[] { U, V } });
        await PostAsync("/chats", new { members = new[] { V, "carol" } });
        await PostAsync("/chats", new { name = "open chat" });
        await PostAsync("/chats", new { members = new[] { U, "carol" } });
        await PostAsync("/chats", new { members = new[] { U } });
        await PostAsync("/chats/1/messages", new { body = "hello from bob", sender = V });
        await PostAsync("/chats/1/messages", new { body = "hello from alice", sender = U });
        await PostAsync("/chats/2/messages", new { body = "hello, carol", sender = V });
        await PostAsync("/chats/3/messages", new { body = "hello, anyone" });
        Webhooks[app.Token] = (await Surface.ValuesWithAWebhookAsync(_client, app.Token, app.Secret))["webhook"];
        return app;
    }

    private static Dictionary<string, object> Claims(string sub, DateTimeOffset issued, DateTimeOffset expires) =>
        new() { ["sub"] = sub, ["iat"] = issued.ToUnixTimeSeconds(), ["exp"] = expires.ToUnixTimeSeconds() };

    private static string Describe((string Request, int Expected, int Actual, string Body) a) =>
        $"{a.Request}: expected {a.Expected}, got {a.Actual} {(a.Body.Length > 200 ? a.Body[..200] : a.Body)}";
}
