using System.Net;
using System.Net.Http.Json;
using Chat.Tests.Infrastructure;
using MySqlConnector;
using StackExchange.Redis;

namespace Chat.Tests.Applications;

/// <summary>The application secret, user tokens, auth_mode, rotation and revocation (API.md, "Authentication").</summary>
public sealed class CredentialsTests
{
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(3);

    private ApiFactory _api = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _api = new ApiFactory(new Dictionary<string, string?> { ["Auth:SecretGracePeriod"] = Grace.ToString() });
        _client = _api.CreateClient();
    }

    [OneTimeTearDown]
    public async Task Stop() => await _api.DisposeAsync();

    [Test]
    public async Task TheSecretIsShownOnceAtCreationAndIsTheServerRole()
    {
        using var created = await _client.PostAsJsonAsync("/applications", new { name = "shop" });
        var body = await created.ShouldBeAsync(HttpStatusCode.Created);
        var (token, secret) = (body.GetProperty("token").GetString()!, body.GetProperty("secret").GetString()!);
        Assert.That(secret, Does.Match("^sk_[A-Za-z0-9_-]{43}$"), "256 random bits, URL-safe");
        Assert.That(body.GetProperty("auth_mode").GetString(), Is.EqualTo("open"));

        var fetched = await (await _client.GetAsync($"/applications/{token}")).Content.ReadAsStringAsync();
        var renamed = await (await _client.SendAsAsync(secret, HttpMethod.Patch, $"/applications/{token}", new { name = "shop 2" })).Content.ReadAsStringAsync();
        Assert.That(new[] { fetched, renamed }, Has.None.Contains(secret).And.None.Contains("\"secret\""));

        // The server role acts for any user, in either mode.
        var chat = await _client.CreateChatAsync(token, new { members = new[] { "alice", "bob" } });
        var message = await (await _client.SendAsAsync(secret, HttpMethod.Post, $"/applications/{token}/chats/{chat}/messages",
            new { body = "from the backend", sender = "bob" })).ShouldBeAsync(HttpStatusCode.Created);
        Assert.That(message.GetProperty("sender").GetString(), Is.EqualTo("bob"));
        await (await _client.SendAsAsync(secret + "x", HttpMethod.Get, $"/applications/{token}/chats")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task InUserTokensModeThePathTokenAloneIs401AndAUserTokenSendsAsItsUser()
    {
        var (token, secret) = await _client.CreateApplicationWithSecretAsync("user_tokens");
        await (await _client.GetAsync($"/applications/{token}/chats")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);

        var alice = UserTokens.For(secret, "alice");
        var chat = await (await _client.SendAsAsync(alice, HttpMethod.Post, $"/applications/{token}/chats", new { members = new[] { "bob" } }))
            .ShouldBeAsync(HttpStatusCode.Created);
        Assert.That(chat.GetProperty("members").EnumerateArray().Select(m => m.GetString()), Is.EqualTo(new[] { "alice", "bob" }),
            "a chat a user creates has that user among its members");
        var sent = await (await _client.SendAsAsync(alice, HttpMethod.Post, $"/applications/{token}/chats/1/messages", new { body = "hi" }))
            .ShouldBeAsync(HttpStatusCode.Created);
        Assert.That(sent.GetProperty("sender").GetString(), Is.EqualTo("alice"), "the sender is the token's user");
        var receipt = await (await _client.SendAsAsync(UserTokens.For(secret, "bob"), HttpMethod.Post, $"/applications/{token}/chats/1/receipts",
            new { read_up_to = 1 })).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(receipt.GetProperty("user").GetString(), Is.EqualTo("bob"), "a receipt is the token's user's");
    }

    [Test]
    public async Task ModeAndRevocationChangeOnlyWithTheSecret()
    {
        var (token, secret) = await _client.CreateApplicationWithSecretAsync();
        await (await _client.SendJsonAsync(HttpMethod.Patch, $"/applications/{token}", new { auth_mode = "user_tokens" }))
            .ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        await (await _client.SendAsAsync(UserTokens.For(secret, "alice"), HttpMethod.Patch, $"/applications/{token}", new { auth_mode = "user_tokens" }))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await _client.SendAsAsync(secret, HttpMethod.Patch, $"/applications/{token}", new { auth_mode = "closed" }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        var changed = await (await _client.SendAsAsync(secret, HttpMethod.Patch, $"/applications/{token}", new { auth_mode = "user_tokens" }))
            .ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(changed.GetProperty("auth_mode").GetString(), Is.EqualTo("user_tokens"));
        await (await _client.GetAsync($"/applications/{token}/chats")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task UserTokensIssuedBeforeTheRevocationOrWithoutIatAre401()
    {
        var (token, secret) = await _client.CreateApplicationWithSecretAsync("user_tokens");
        var now = DateTimeOffset.UtcNow;
        var old = UserTokens.Sign(secret, Claims("alice", now.AddMinutes(-10), now.AddHours(1)));
        var withoutIat = UserTokens.Sign(secret, new Dictionary<string, object> { ["sub"] = "alice", ["exp"] = now.AddHours(1).ToUnixTimeSeconds() });
        var chats = $"/applications/{token}/chats";
        await (await _client.SendAsAsync(old, HttpMethod.Get, chats)).ShouldBeAsync(HttpStatusCode.OK);
        await (await _client.SendAsAsync(withoutIat, HttpMethod.Get, chats)).ShouldBeAsync(HttpStatusCode.OK);

        await (await _client.SendAsAsync(secret, HttpMethod.Patch, $"/applications/{token}", new { revoke_user_tokens_issued_before = now.AddMinutes(-1) }))
            .ShouldBeAsync(HttpStatusCode.OK);
        await (await _client.SendAsAsync(old, HttpMethod.Get, chats)).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        await (await _client.SendAsAsync(withoutIat, HttpMethod.Get, chats)).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        await (await _client.SendAsAsync(UserTokens.For(secret, "alice"), HttpMethod.Get, chats)).ShouldBeAsync(HttpStatusCode.OK);
    }

    [Test]
    public async Task ExpiryIsRequiredBoundedAndCheckedWithASmallClockSkew()
    {
        var (token, secret) = await _client.CreateApplicationWithSecretAsync("user_tokens");
        var now = DateTimeOffset.UtcNow;
        var chats = $"/applications/{token}/chats";
        async Task<HttpStatusCode> StatusAsync(Dictionary<string, object> claims) =>
            (await _client.SendAsAsync(UserTokens.Sign(secret, claims), HttpMethod.Get, chats)).StatusCode;

        await Assert.MultipleAsync(async () =>
        {
            Assert.That(await StatusAsync(Claims("alice", now, now.AddHours(23))), Is.EqualTo(HttpStatusCode.OK), "within Auth:MaxUserTokenLifetime (24 h)");
            Assert.That(await StatusAsync(Claims("alice", now, now.AddHours(25))), Is.EqualTo(HttpStatusCode.Unauthorized), "beyond it");
            Assert.That(await StatusAsync(new() { ["sub"] = "alice", ["iat"] = now.ToUnixTimeSeconds() }), Is.EqualTo(HttpStatusCode.Unauthorized), "no exp");
            Assert.That(await StatusAsync(Claims("alice", now.AddHours(-1), now.AddSeconds(-10))), Is.EqualTo(HttpStatusCode.OK), "10 s late: within the 30 s skew");
            Assert.That(await StatusAsync(Claims("alice", now.AddHours(-1), now.AddSeconds(-60))), Is.EqualTo(HttpStatusCode.Unauthorized), "60 s late");
            Assert.That(await StatusAsync(Claims(new string('u', 65), now, now.AddHours(1))), Is.EqualTo(HttpStatusCode.Unauthorized), "sub not a user id");
        });
    }

    [Test]
    public async Task ARotatedSecretKeepsWorkingForCallsAndSignaturesDuringTheGraceOnly()
    {
        var (token, old) = await _client.CreateApplicationWithSecretAsync("user_tokens");
        var signedWithOld = UserTokens.For(old, "alice");
        await (await _client.SendAsAsync(UserTokens.For(old, "alice"), HttpMethod.Post, $"/applications/{token}/secret/rotate"))
            .ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        var rotated = await (await _client.SendAsAsync(old, HttpMethod.Post, $"/applications/{token}/secret/rotate")).ShouldBeAsync(HttpStatusCode.OK);
        var secret = rotated.GetProperty("secret").GetString()!;
        Assert.That(secret, Is.Not.EqualTo(old));

        var chats = $"/applications/{token}/chats";
        foreach (var credential in new[] { secret, old, signedWithOld, UserTokens.For(secret, "alice") })
            await (await _client.SendAsAsync(credential, HttpMethod.Get, chats)).ShouldBeAsync(HttpStatusCode.OK);
        await Task.Delay(Grace + TimeSpan.FromSeconds(1));
        await (await _client.SendAsAsync(old, HttpMethod.Get, chats)).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        await (await _client.SendAsAsync(signedWithOld, HttpMethod.Get, chats)).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        await (await _client.SendAsAsync(secret, HttpMethod.Get, chats)).ShouldBeAsync(HttpStatusCode.OK);
    }

    [Test]
    public async Task ARotatedTokenStopsAtOnceOrAfterItsGrace()
    {
        var (token, secret) = await _client.CreateApplicationWithSecretAsync();
        await (await _client.SendJsonAsync(HttpMethod.Post, $"/applications/{token}/token/rotate", new { })).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        var once = await (await _client.SendAsAsync(secret, HttpMethod.Post, $"/applications/{token}/token/rotate", new { })).ShouldBeAsync(HttpStatusCode.OK);
        var second = once.GetProperty("token").GetString()!;
        await (await _client.GetAsync($"/applications/{token}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.That((await _client.GetOkAsync($"/applications/{second}")).GetProperty("token").GetString(), Is.EqualTo(second));

        var graced = await (await _client.SendAsAsync(secret, HttpMethod.Post, $"/applications/{second}/token/rotate", new { grace_seconds = (int)Grace.TotalSeconds }))
            .ShouldBeAsync(HttpStatusCode.OK);
        var third = graced.GetProperty("token").GetString()!;
        var chat = await _client.CreateChatAsync(second, new { });
        Assert.That((await _client.GetOkAsync($"/applications/{third}/chats/{chat}")).GetProperty("number").GetInt32(), Is.EqualTo(chat),
            "both tokens name the same application during the grace");
        await Task.Delay(Grace + TimeSpan.FromSeconds(1));
        await (await _client.GetAsync($"/applications/{second}/chats/{chat}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await _client.GetAsync($"/applications/{third}/chats/{chat}")).ShouldBeAsync(HttpStatusCode.OK);
    }

    [Test]
    public async Task AnApplicationCreatedBeforeSecretsGetsItsFirstOneWithItsTokenOnly()
    {
        var token = await _api.CreateApplicationAsync();
        await using (var connection = new MySqlConnection(TestServices.MySql))
        {
            await connection.OpenAsync();
            await using var command = new MySqlCommand("UPDATE applications SET secret_sealed = NULL WHERE token = @token", connection);
            command.Parameters.AddWithValue("@token", token);
            await command.ExecuteNonQueryAsync();
        }
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(TestServices.Redis))
            await redis.GetDatabase().KeyDeleteAsync($"app-token:{token}");

        var first = await (await _client.SendJsonAsync(HttpMethod.Post, $"/applications/{token}/secret/rotate", new { })).ShouldBeAsync(HttpStatusCode.OK);
        var secret = first.GetProperty("secret").GetString()!;
        await (await _client.SendAsAsync(secret, HttpMethod.Get, $"/applications/{token}/chats")).ShouldBeAsync(HttpStatusCode.OK);
        await (await _client.SendJsonAsync(HttpMethod.Post, $"/applications/{token}/secret/rotate", new { }))
            .ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task TheDefaultModeComesFromConfiguration()
    {
        await using var api = new ApiFactory(new Dictionary<string, string?> { ["Auth:DefaultMode"] = "user_tokens" });
        var (token, _) = await api.CreateClient().CreateApplicationWithSecretAsync(mode: null);
        var app = await api.CreateClient().SendAsAsync(null, HttpMethod.Get, $"/applications/{token}");
        await app.ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
    }

    private static Dictionary<string, object> Claims(string sub, DateTimeOffset issued, DateTimeOffset expires) =>
        new() { ["sub"] = sub, ["iat"] = issued.ToUnixTimeSeconds(), ["exp"] = expires.ToUnixTimeSeconds() };
}
