using System.Net;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Compatibility;

/// <summary>RateLimit-Limit/Remaining/Reset (IETF draft) on answers scoped by an application token.</summary>
public sealed class RateLimitHeadersTests
{
    [Test]
    public async Task TokenScopedAnswersAnnounceTheQuotaAndItRunsDown()
    {
        await using var api = new ApiFactory(new Dictionary<string, string?> { ["RateLimit:PermitsPerSecond"] = "1", ["RateLimit:Burst"] = "5" });
        var client = api.CreateClient();
        var token = await client.CreateApplicationAsync();

        var remaining = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            using var response = await client.GetAsync($"/applications/{token}");
            Assert.That(Header(response, "RateLimit-Limit"), Is.EqualTo(5));
            Assert.That(Header(response, "RateLimit-Reset"), Is.InRange(0, 5));
            remaining.Add(Header(response, "RateLimit-Remaining"));
            if (response.StatusCode == HttpStatusCode.TooManyRequests) break;
        }
        Assert.That(remaining, Is.Ordered.Descending, "each request spends a permit");
        Assert.That(remaining[^1], Is.Zero, "the last answer before or at the 429 has none left");

        using var unscoped = await client.GetAsync("/health/live");
        Assert.That(unscoped.Headers.Contains("RateLimit-Limit"), Is.False, "only token-scoped answers carry them");
    }

    private static int Header(HttpResponseMessage response, string name) =>
        int.Parse(response.Headers.GetValues(name).Single(), System.Globalization.CultureInfo.InvariantCulture);
}
