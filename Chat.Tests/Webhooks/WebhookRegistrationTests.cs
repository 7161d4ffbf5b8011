using System.Net;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Webhooks;

/// <summary>Registering webhooks (API.md "Webhooks"): server role only, validated URLs and filters, the secret shown once and sealed at rest.</summary>
public sealed class WebhookRegistrationTests
{
    // The production rule: https only, public addresses only.
    private static readonly Dictionary<string, string?> Strict = new() { ["Webhooks:AllowPrivateTargets"] = "false" };

    [Test]
    public async Task ASecretIsShownOnlyAtCreationAndStoredSealed()
    {
        await using var api = new ApiFactory(Strict);
        var client = api.CreateClient();
        var (token, secret) = await client.CreateApplicationWithSecretAsync();
        var url = $"/applications/{token}/webhooks";

        var created = await (await client.SendAsAsync(secret, HttpMethod.Post, url,
            new { url = "https://93.184.215.14/hooks", events = new[] { "message.created", "message.deleted" } })).ShouldBeAsync(HttpStatusCode.Created);
        var id = created.GetProperty("id").GetString()!;
        var signing = created.GetProperty("signing_secret").GetString()!;
        Assert.That(signing, Does.StartWith("whsec_"));
        Assert.That(Convert.FromBase64String(signing["whsec_".Length..]), Has.Length.EqualTo(32));
        Assert.That(created.GetProperty("events").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "message.created", "message.deleted" }));

        var read = await (await client.SendAsAsync(secret, HttpMethod.Get, $"{url}/{id}")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(read.TryGetProperty("signing_secret", out _), Is.False, "the secret is never shown again");
        var list = await (await client.SendAsAsync(secret, HttpMethod.Get, url)).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(list.GetProperty("data").EnumerateArray().Select(w => w.GetProperty("id").GetString()), Is.EqualTo(new[] { id }));
        Assert.That(list.GetRawText(), Does.Not.Contain("whsec_"));

        var stored = await Database.ScalarAsync<string>("SELECT sealed_secret FROM webhooks WHERE id = @id", ("@id", id));
        Assert.That(stored, Does.Not.Contain(signing["whsec_".Length..]).And.Not.Contain("whsec_"), "sealed at rest");

        await (await client.SendAsAsync(secret, HttpMethod.Delete, $"{url}/{id}")).ShouldBeAsync(HttpStatusCode.NoContent);
        Assert.That((await client.SendAsAsync(secret, HttpMethod.Get, $"{url}/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await client.SendAsAsync(secret, HttpMethod.Delete, $"{url}/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
    }

    [TestCase("http://93.184.215.14/hooks", TestName = "PlainHttpIsRefused")]
    [TestCase("https://127.0.0.1/hooks", TestName = "LoopbackIsRefused")]
    [TestCase("https://localhost:8443/hooks", TestName = "LocalhostIsRefused")]
    [TestCase("https://[::1]/hooks", TestName = "Ipv6LoopbackIsRefused")]
    [TestCase("https://10.1.2.3/hooks", TestName = "PrivateTenIsRefused")]
    [TestCase("https://192.168.1.10/hooks", TestName = "PrivateOneNineTwoIsRefused")]
    [TestCase("https://172.20.0.5/hooks", TestName = "PrivateOneSevenTwoIsRefused")]
    [TestCase("https://169.254.169.254/latest/meta-data", TestName = "LinkLocalMetadataIsRefused")]
    [TestCase("https://[fd00::1]/hooks", TestName = "UniqueLocalIpv6IsRefused")]
    [TestCase("https://[::ffff:127.0.0.1]/hooks", TestName = "MappedLoopbackIsRefused")]
    [TestCase("https://user:pw@93.184.215.14/hooks", TestName = "CredentialsInTheUrlAreRefused")]
    [TestCase("not a url", TestName = "ANonUrlIsRefused")]
    [TestCase("", TestName = "AnEmptyUrlIsRefused")]
    [TestCase("https://no-such-host.invalid/hooks", TestName = "AHostThatDoesNotResolveIsRefused")]
    public async Task UrlsThatCannotBeWebhooksAreRefused(string target)
    {
        await using var api = new ApiFactory(Strict);
        var client = api.CreateClient();
        var (token, secret) = await client.CreateApplicationWithSecretAsync();
        var problem = await (await client.SendAsAsync(secret, HttpMethod.Post, $"/applications/{token}/webhooks", new { url = target, events = new[] { "*" } }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.That(problem.GetProperty("errors").TryGetProperty("url", out _), Is.True);
        Assert.That(await Database.ScalarAsync<long>("SELECT COUNT(*) FROM webhooks w JOIN applications a ON a.id = w.application_id WHERE a.token = @t",
            ("@t", token)), Is.Zero);
    }

    [Test]
    public async Task EventFiltersMustNameKnownTypes()
    {
        await using var api = new ApiFactory(Strict);
        var client = api.CreateClient();
        var (token, secret) = await client.CreateApplicationWithSecretAsync();
        var url = $"/applications/{token}/webhooks";
        foreach (var events in new object?[] { null, Array.Empty<string>(), new[] { "message.exploded" }, new[] { "message.created", "nope" } })
        {
            var problem = await (await client.SendAsAsync(secret, HttpMethod.Post, url, new { url = "https://93.184.215.14/hooks", events }))
                .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
            Assert.That(problem.GetProperty("errors").TryGetProperty("events", out _), Is.True);
        }
        var all = await (await client.SendAsAsync(secret, HttpMethod.Post, url, new { url = "https://93.184.215.14/hooks", events = new[] { "*", "message.created" } }))
            .ShouldBeAsync(HttpStatusCode.Created);
        Assert.That(all.GetProperty("events").EnumerateArray().Select(e => e.GetString()), Is.EqualTo(new[] { "*" }));
    }

    [Test]
    public async Task AnApplicationHasAtMostTenWebhooks()
    {
        await using var api = new ApiFactory();
        var client = api.CreateClient();
        var (token, secret) = await client.CreateApplicationWithSecretAsync();
        var url = $"/applications/{token}/webhooks";
        var created = await Task.WhenAll(Enumerable.Range(0, 12).Select(i =>
            client.SendAsAsync(secret, HttpMethod.Post, url, new { url = $"https://93.184.215.14/hooks/{i}", events = new[] { "*" } })));
        Assert.That(created.Count(r => r.StatusCode == HttpStatusCode.Created), Is.EqualTo(10), "even when created at once");
        await created.First(r => r.StatusCode != HttpStatusCode.Created).ShouldBeProblemAsync(HttpStatusCode.Conflict);
        var list = await (await client.SendAsAsync(secret, HttpMethod.Get, url)).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(list.GetProperty("data").GetArrayLength(), Is.EqualTo(10));
    }

    [Test]
    public async Task OnlyTheApplicationsOwnSecretManagesItsWebhooks()
    {
        await using var api = new ApiFactory();
        var client = api.CreateClient();
        var (token, secret) = await client.CreateApplicationWithSecretAsync();
        var (otherToken, otherSecret) = await client.CreateApplicationWithSecretAsync();
        var url = $"/applications/{token}/webhooks";
        var id = (await (await client.SendAsAsync(secret, HttpMethod.Post, url, new { url = "https://93.184.215.14/hooks", events = new[] { "*" } }))
            .ShouldBeAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;

        Assert.That((await client.SendAsAsync(null, HttpMethod.Get, url)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "the token alone");
        Assert.That((await client.SendAsAsync(otherSecret, HttpMethod.Get, url)).StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "another application's secret");
        Assert.That((await client.SendAsAsync(otherSecret, HttpMethod.Get, $"/applications/{otherToken}/webhooks/{id}")).StatusCode,
            Is.EqualTo(HttpStatusCode.NotFound), "another application does not see it");
        Assert.That((await client.SendAsAsync(otherSecret, HttpMethod.Delete, $"/applications/{otherToken}/webhooks/{id}")).StatusCode,
            Is.EqualTo(HttpStatusCode.NotFound));
        var user = UserTokens.For(secret, "alice");
        Assert.That((await client.SendAsAsync(user, HttpMethod.Get, url)).StatusCode, Is.EqualTo(HttpStatusCode.Forbidden), "a user token");
        Assert.That((await client.SendAsAsync(secret, HttpMethod.Get, $"{url}/{id}")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
    }

    [Test]
    public async Task BadQueriesAndBodiesAreProblemsNotErrors()
    {
        await using var api = new ApiFactory();
        var client = api.CreateClient();
        var (token, secret) = await client.CreateApplicationWithSecretAsync();
        var url = $"/applications/{token}/webhooks";
        var id = (await (await client.SendAsAsync(secret, HttpMethod.Post, url, new { url = "https://93.184.215.14/hooks", events = new[] { "*" } }))
            .ShouldBeAsync(HttpStatusCode.Created)).GetProperty("id").GetString()!;
        await (await client.SendAsAsync(secret, HttpMethod.Get, $"{url}/{id}/deliveries?status=lost")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        await (await client.SendAsAsync(secret, HttpMethod.Get, $"{url}/{id}/deliveries?limit=0")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        await (await client.SendAsAsync(secret, HttpMethod.Post, $"{url}/{id}/replay", new { })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await client.SendAsAsync(secret, HttpMethod.Post, $"{url}/{id}/replay", new { after_seq = -1 })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.That((await client.SendAsAsync(secret, HttpMethod.Post, $"{url}/wh_nope/replay", new { after_seq = 0 })).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        Assert.That((await client.SendAsAsync(secret, HttpMethod.Get, $"{url}/wh_nope/deliveries")).StatusCode, Is.EqualTo(HttpStatusCode.NotFound));
        var page = await (await client.SendAsAsync(secret, HttpMethod.Get, $"{url}/{id}/deliveries?status=failed")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(page.GetProperty("data").GetArrayLength(), Is.Zero);
        using var raw = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent("{\"url\": 5", System.Text.Encoding.UTF8, "application/json") };
        raw.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        var malformed = await client.SendAsync(raw);
        Assert.That((int)malformed.StatusCode, Is.InRange(400, 499));
        Assert.That(malformed.Content.Headers.ContentType?.MediaType, Is.EqualTo("application/problem+json"));
    }
}
