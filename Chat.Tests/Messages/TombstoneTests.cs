using System.Net;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Messages;

/// <summary>include_deleted=true lists deleted messages as tombstones in their place (API.md "… tombstones …").</summary>
public sealed class TombstoneTests : TwoApiHosts
{
    [Test]
    public async Task TombstonesStandInTheirPlacesInBothPagingDirectionsPersistedAndPending()
    {
        var token = await HostA.CreateApplicationAsync();
        var (a, b) = (HostA.CreateClient(), HostB.CreateClient());
        var chat = await a.CreateChatAsync(token, new { name = "t" });
        var messages = $"/applications/{token}/chats/{chat}/messages";
        await using (await WorkerHost.StartAsync())
        {
            for (var i = 1; i <= 6; i++) await a.PostMessageAsync(token, chat, $"m{i}");
            using (var deleted = await a.DeleteAsync($"{messages}/2")) Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            Assert.That(await WorkerHost.WaitForMessagesAsync(token, 5), Is.EqualTo(5));
            Assert.That(await Eventually.HoldsAsync(async () => (await Database.MessagesAsync(token, includeDeleted: true)).Count == 6));
        }
        // Persisted: 1–6 with 2 deleted. Pending: 7–10, and the deletions of 5 (persisted) and 9 (pending).
        for (var i = 7; i <= 10; i++) await b.PostMessageAsync(token, chat, $"m{i}");
        foreach (var n in new[] { 5, 9 })
            using (var deleted = await b.DeleteAsync($"{messages}/{n}")) Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        var backward = await WalkAsync(a, $"{messages}?limit=3&include_deleted=true");
        Assert.That(backward.Select(m => m.GetProperty("number").GetInt32()), Is.EqualTo(Enumerable.Range(1, 10).Reverse()), "every number, newest first");
        var forward = await WalkAsync(b, $"{messages}?limit=3&after=0&include_deleted=true");
        Assert.That(forward.Select(m => m.GetProperty("number").GetInt32()), Is.EqualTo(Enumerable.Range(1, 10)), "every number, oldest first");
        foreach (var page in new[] { backward, forward })
        {
            var tombstones = page.Where(m => m.GetProperty("body").ValueKind == JsonValueKind.Null).ToList();
            Assert.That(tombstones.Select(m => m.GetProperty("number").GetInt32()).Order(), Is.EqualTo(new[] { 2, 5, 9 }));
            Assert.That(tombstones.All(m => m.TryGetProperty("deleted_at", out var at) && at.GetDateTime() > DateTime.MinValue), "with deleted_at");
            Assert.That(page.Where(m => m.GetProperty("body").ValueKind != JsonValueKind.Null).All(m => !m.TryGetProperty("deleted_at", out _)),
                "live messages have no deleted_at");
        }

        var live = await WalkAsync(a, $"{messages}?limit=3");
        Assert.That(live.Select(m => m.GetProperty("number").GetInt32()), Is.EqualTo(new[] { 10, 8, 7, 6, 4, 3, 1 }), "the default is unchanged");
        Assert.That(live.Any(m => m.TryGetProperty("deleted_at", out _)), Is.False);
        await (await a.GetAsync($"{messages}/5")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await a.GetAsync($"{messages}?include_deleted=maybe")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    /// <summary>Follows next links to the end.</summary>
    private static async Task<List<JsonElement>> WalkAsync(HttpClient client, string url)
    {
        var items = new List<JsonElement>();
        for (string? next = url; next is not null;)
        {
            var page = await client.GetOkAsync(next);
            items.AddRange(page.GetProperty("data").EnumerateArray().Select(e => e.Clone()));
            next = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetString();
        }
        return items;
    }
}
