using Chat.Contracts;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Applications;

public sealed class ApplicationsApiTests : OneApiHost
{
    [Test]
    public async Task CreateThenGetReturnsTheSameApplication()
    {
        using var created = await Client.PostAsJsonAsync("/applications", new { name = "  Shop  " });
        var body = await created.ShouldBeAsync(HttpStatusCode.Created);
        var token = body.GetProperty("token").GetString()!;
        Assert.That(body.GetProperty("name").GetString(), Is.EqualTo("Shop"), "name is trimmed");
        Assert.That(body.GetProperty("chats_count").GetInt32(), Is.Zero);
        Assert.That(created.Headers.Location?.ToString(), Is.EqualTo($"/applications/{token}"));

        var fetched = await (await Client.GetAsync($"/applications/{token}")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(fetched.GetProperty("token").GetString(), Is.EqualTo(token));
        Assert.That(fetched.GetProperty("name").GetString(), Is.EqualTo("Shop"));
        Assert.That(fetched.GetProperty("created_at").GetDateTime(), Is.EqualTo(body.GetProperty("created_at").GetDateTime()));
    }

    [TestCase("PATCH")]
    [TestCase("PUT")]
    public async Task RenameChangesTheNameAndUpdatedAt(string method)
    {
        var token = await Api.CreateApplicationAsync("before");
        var before = await (await Client.GetAsync($"/applications/{token}")).ShouldBeAsync(HttpStatusCode.OK);

        var renamed = await (await Client.SendJsonAsync(new HttpMethod(method), $"/applications/{token}", new { name = "after" }))
            .ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(renamed.GetProperty("name").GetString(), Is.EqualTo("after"));
        Assert.That(renamed.GetProperty("updated_at").GetDateTime(), Is.GreaterThan(before.GetProperty("updated_at").GetDateTime()));

        var fetched = await (await Client.GetAsync($"/applications/{token}")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(fetched.GetProperty("name").GetString(), Is.EqualTo("after"), "the cache was invalidated");
    }

    [Test]
    public async Task DeletedApplicationIsGone()
    {
        var token = await Api.CreateApplicationAsync();
        await Client.GetAsync($"/applications/{token}"); // warm the cache

        Assert.That((await Client.DeleteAsync($"/applications/{token}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        await (await Client.GetAsync($"/applications/{token}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await Client.DeleteAsync($"/applications/{token}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await Client.SendJsonAsync(HttpMethod.Patch, $"/applications/{token}", new { name = "x" }))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [TestCase("/applications/doesnotexist")]
    [TestCase("/applications/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task UnknownTokenIsNotFound(string url)
    {
        await (await Client.GetAsync(url)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await Client.SendJsonAsync(HttpMethod.Patch, url, new { name = "x" })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await Client.DeleteAsync(url)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task MalformedJsonIs400()
    {
        var problem = await (await Client.SendRawAsync(HttpMethod.Post, "/applications", "{\"name\": ")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("not valid JSON"));
    }

    [Test]
    public async Task WrongJsonTypeIs400() =>
        await (await Client.SendRawAsync(HttpMethod.Post, "/applications", "{\"name\": 5}")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);

    [Test]
    public async Task WrongContentTypeIs415() =>
        await (await Client.SendRawAsync(HttpMethod.Post, "/applications", "name=x", "text/plain"))
            .ShouldBeProblemAsync(HttpStatusCode.UnsupportedMediaType);

    [TestCase("{}", TestName = "MissingNameIs422")]
    [TestCase("{\"name\": null}", TestName = "NullNameIs422")]
    [TestCase("{\"name\": \"   \"}", TestName = "BlankNameIs422")]
    public async Task InvalidNameIs422WithFieldErrors(string json)
    {
        var problem = await (await Client.SendRawAsync(HttpMethod.Post, "/applications", json)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        Assert.That(problem.GetProperty("errors").GetProperty("name").GetArrayLength(), Is.EqualTo(1));
    }

    [Test]
    public async Task NameOver200CharactersIs422AndExactly200IsAccepted()
    {
        await (await Client.PostAsJsonAsync("/applications", new { name = new string('n', 201) })).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await Client.PostAsJsonAsync("/applications", new { name = new string('n', 200) })).ShouldBeAsync(HttpStatusCode.Created);
        var token = await Api.CreateApplicationAsync();
        await (await Client.SendJsonAsync(HttpMethod.Patch, $"/applications/{token}", new { name = new string('n', 201) }))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
    }

    [Test]
    public async Task ClientCannotChooseTokenOrCounts()
    {
        using var response = await Client.PostAsJsonAsync("/applications", new { name = "x", token = "mine", chats_count = 9, id = 1 });
        var body = await response.ShouldBeAsync(HttpStatusCode.Created);
        Assert.That(body.GetProperty("token").GetString(), Is.Not.EqualTo("mine"));
        Assert.That(body.GetProperty("chats_count").GetInt32(), Is.Zero);
    }

    [Test]
    public async Task ThousandTokensAreDistinctFixedLengthAndUrlSafe()
    {
        var tokens = new HashSet<string>();
        for (var i = 0; i < 1000; i++) tokens.Add(ApplicationToken.New());
        var created = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Api.CreateApplicationAsync()));
        tokens.UnionWith(created);

        Assert.That(tokens, Has.Count.EqualTo(1020));
        Assert.That(tokens.Select(t => t.Length).Distinct(), Is.EqualTo(new[] { ApplicationToken.Length }));
        Assert.That(ApplicationToken.Length, Is.GreaterThanOrEqualTo(22));
        Assert.That(tokens, Has.All.Match("^[A-Za-z0-9_-]+$"));
    }

    [Test]
    public async Task NoResponseCarriesAnId()
    {
        var token = await Api.CreateApplicationAsync();
        (await (await Client.GetAsync($"/applications/{token}")).ShouldBeAsync(HttpStatusCode.OK)).ShouldHaveNoIds();
        (await (await Client.SendJsonAsync(HttpMethod.Patch, $"/applications/{token}", new { name = "y" })).ShouldBeAsync(HttpStatusCode.OK)).ShouldHaveNoIds();
        using var list = new HttpRequestMessage(HttpMethod.Get, "/applications") { Headers = { { "X-Admin-Key", TestServices.AdminKey } } };
        (await (await Client.SendAsync(list)).ShouldBeAsync(HttpStatusCode.OK)).ShouldHaveNoIds();
    }

    [Test]
    public async Task ListingNeedsTheAdminKey()
    {
        await (await Client.GetAsync("/applications")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/applications") { Headers = { { "X-Admin-Key", "nope" } } };
        await (await Client.SendAsync(wrong)).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
    }

    [Test]
    public async Task AdminListingPagesThroughEveryApplicationShowingOnlyTheStartOfTokensAndNoSecret()
    {
        var mine = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Client.CreateApplicationWithSecretAsync()));
        var seen = new List<string>();
        var text = new List<string>();
        for (var url = "/applications?limit=2"; url is not null;)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, url) { Headers = { { "X-Admin-Key", TestServices.AdminKey } } };
            var page = await (await Client.SendAsync(request)).ShouldBeAsync(HttpStatusCode.OK);
            Assert.That(page.GetProperty("data").GetArrayLength(), Is.LessThanOrEqualTo(2));
            seen.AddRange(page.GetProperty("data").EnumerateArray().Select(a => a.GetProperty("token_prefix").GetString()!));
            text.Add(page.GetRawText());
            url = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetString();
        }
        Assert.That(seen, Is.Unique);
        Assert.That(seen, Is.SupersetOf(mine.Select(a => a.Token[..8])));
        Assert.That(mine.Where(a => text.Any(page => page.Contains(a.Token))), Is.Empty, "no whole token in any page or next link");
        // Not a search for "sk_": the random next cursor may hold those three characters.
        Assert.That(mine.Where(a => text.Any(page => page.Contains(a.Secret))), Is.Empty, "no secret in any page or next link");
        Assert.That(text.Where(page => page.Contains("\"secret")), Is.Empty, "no secret field");
    }

    [Test]
    public async Task ListingLimitAbove200Is400()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/applications?limit=201") { Headers = { { "X-Admin-Key", TestServices.AdminKey } } };
        await (await Client.SendAsync(request)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task HealthAnswers()
    {
        Assert.That((await Client.GetAsync("/health/live")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var ready = await (await Client.GetAsync("/health/ready")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(ready.EnumerateObject().Select(p => p.Name), Is.EqualTo(new[] { "status" }), "the public learns the status only");
        using var withKey = new HttpRequestMessage(HttpMethod.Get, "/health/ready") { Headers = { { "X-Admin-Key", TestServices.AdminKey } } };
        var details = await (await Client.SendAsync(withKey)).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(details.GetProperty("checks").EnumerateObject().Select(c => c.Name), Is.EquivalentTo(new[] { "mysql", "redis", "rabbitmq", "search" }));
    }
}
