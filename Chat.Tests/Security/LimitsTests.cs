using System.Net;
using System.Net.Http.Json;
using System.Text;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Security;

/// <summary>OWASP API4 and API8: bounded resource use per token and per request, and closed operator surfaces.</summary>
public sealed class LimitsTests : OneApiHost
{
    [Test]
    public async Task BurstOverATokensLimitIs429WithRetryAfterWhileOtherTokensGoOn()
    {
        await using var api = new ApiFactory(new Dictionary<string, string?> { ["RateLimit:PermitsPerSecond"] = "2", ["RateLimit:Burst"] = "5" });
        var client = api.CreateClient();
        var (busy, quiet) = (await api.CreateApplicationAsync(), await api.CreateApplicationAsync());

        var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(i =>
            client.GetAsync(i % 2 == 0 ? $"/applications/{busy}" : $"/applications/{busy}/chats")));
        var limited = answers.Where(a => a.StatusCode == HttpStatusCode.TooManyRequests).ToList();
        Assert.That(answers.Count(a => a.StatusCode == HttpStatusCode.OK), Is.InRange(5, 7), "the burst, plus what refilled meanwhile");
        Assert.That(limited, Has.Count.EqualTo(30 - answers.Count(a => a.StatusCode == HttpStatusCode.OK)), "only 200 or 429");
        foreach (var answer in limited)
        {
            var problem = await answer.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests);
            Assert.That(problem.GetProperty("title").GetString(), Is.EqualTo("Too many requests"));
            Assert.That(int.Parse(answer.Headers.GetValues("Retry-After").Single()), Is.InRange(1, 5));
        }

        // Same client, other token: its own bucket. Requests without a token are not limited per token.
        await (await client.GetAsync($"/applications/{quiet}")).ShouldBeAsync(HttpStatusCode.OK);
        for (var i = 0; i < 10; i++)
            Assert.That((await client.GetAsync("/health/live")).StatusCode, Is.EqualTo(HttpStatusCode.OK));
        // And the busy token is served again once the bucket refilled.
        await Task.Delay(TimeSpan.FromSeconds(int.Parse(limited[0].Headers.GetValues("Retry-After").Single())));
        await (await client.GetAsync($"/applications/{busy}")).ShouldBeAsync(HttpStatusCode.OK);
    }

    [Test]
    public async Task BodyOver64KiBIs413ProblemFromKestrelWithOrWithoutContentLength()
    {
        await using var api = new ApiFactory();
        api.UseKestrel(0);
        api.StartServer();
        using var client = api.CreateClient();
        var token = await client.CreateApplicationAsync("limits");
        var huge = $"{{\"body\":\"{new string('x', 70_000)}\"}}";
        await client.CreateChatAsync(token, new { });

        foreach (var url in new[] { "/applications", $"/applications/{token}", $"/applications/{token}/chats/1/messages" })
        {
            var method = url == $"/applications/{token}" ? HttpMethod.Patch : HttpMethod.Post;
            var sized = new StringContent(huge, Encoding.UTF8, "application/json");
            await (await client.SendAsync(new HttpRequestMessage(method, url) { Content = sized })).ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge);
            var chunked = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(huge)));
            chunked.Headers.ContentType = new("application/json");
            var request = new HttpRequestMessage(method, url) { Content = chunked };
            request.Headers.TransferEncodingChunked = true;
            await (await client.SendAsync(request)).ShouldBeProblemAsync(HttpStatusCode.RequestEntityTooLarge);
        }
        // Just under the limit the body is read, and judged on its content.
        var under = $"{{\"body\":\"{new string('x', 60_000)}\"}}";
        await (await client.SendRawAsync(HttpMethod.Post, $"/applications/{token}/chats/1/messages", under))
            .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
    }

    [Test]
    public async Task OversizedHeadersAndRequestLinesAreRefusedByKestrelWithoutA5xx()
    {
        await using var api = new ApiFactory();
        api.UseKestrel(0);
        api.StartServer();
        using var client = api.CreateClient();
        var token = await client.CreateApplicationAsync("limits");

        using var headers = new HttpRequestMessage(HttpMethod.Get, $"/applications/{token}") { Headers = { { "X-Big", new string('h', 40_000) } } };
        Assert.That((await client.SendAsync(headers)).StatusCode, Is.EqualTo(HttpStatusCode.RequestHeaderFieldsTooLarge));
        var line = await client.GetAsync($"/applications/{token}/chats?limit=1&x={new string('q', 20_000)}");
        Assert.That(line.StatusCode, Is.EqualTo(HttpStatusCode.RequestUriTooLong));
        var nul = await client.GetAsync($"/applications/{token}/chats/%00");
        Assert.That((int)nul.StatusCode, Is.EqualTo(400), "a NUL in the path");
    }

    [Test]
    public async Task LimitOutside1To200AndUnparsableCursorsAre400OnEveryList()
    {
        var (token, secret) = await Client.CreateApplicationWithSecretAsync();
        await Client.CreateChatAsync(token, new { });
        var values = await Surface.ValuesWithAWebhookAsync(Client, token, secret);
        var lists = Surface.Endpoints.Where(e => e.Method == "GET" && e.Query.Any(q => q.Name == "limit")).ToList();
        Assert.That(lists, Has.Count.GreaterThanOrEqualTo(3));
        foreach (var list in lists)
        {
            var url = list.Url(values);
            using var ok = AsAdmin(HttpMethod.Get, Endpoint.AddQuery(url, "limit=200"), secret);
            await (await Client.SendAsync(ok)).ShouldBeAsync(HttpStatusCode.OK);
            var bad = new[] { "limit=201", "limit=0", "limit=-1", "limit=abc", "limit=2147483648", $"limit={new string('9', 5_000)}" }
                .Concat(list.Query.Where(q => q.Kind == Kind.Number && q.Name != "limit").SelectMany(q => new[]
                {
                    $"{q.Name}=-5", $"{q.Name}=x", $"{q.Name}={new string('9', 5_000)}",
                }))
                .Concat(list.Query.Where(q => q.Kind == Kind.Timestamp).Select(q => $"{q.Name}=not-a-time"))
                .Concat(list.Query.Where(q => q.Kind == Kind.Token).Select(q => $"{q.Name}={new string('t', 5_000)}"));
            foreach (var query in bad)
            {
                using var request = AsAdmin(HttpMethod.Get, Endpoint.AddQuery(url, query), secret);
                await (await Client.SendAsync(request)).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
            }
        }
    }

    [TestCase("/hangfire")]
    [TestCase("/hangfire/")]
    [TestCase("/HangFire/jobs/enqueued")]
    [TestCase("/hangfire/stats")]
    public async Task HangfireDashboardIsNotServed(string url)
    {
        await (await Client.GetAsync(url)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await Client.PostAsync(url, null)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        using var withKey = AsAdmin(HttpMethod.Get, url);
        await (await Client.SendAsync(withKey)).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    /// <param name="secret">Also the application's secret, for the endpoints only the server role may call (webhooks).</param>
    private static HttpRequestMessage AsAdmin(HttpMethod method, string url, string? secret = null)
    {
        var request = new HttpRequestMessage(method, url) { Headers = { { "X-Admin-Key", TestServices.AdminKey } } };
        if (secret is not null) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        return request;
    }
}
