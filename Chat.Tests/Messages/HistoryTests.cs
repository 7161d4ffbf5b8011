using Chat.Contracts;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using StackExchange.Redis;

namespace Chat.Tests.Messages;

/// <summary>History and chat lists over a mix of persisted rows and states accepted but not yet persisted.</summary>
public sealed class HistoryTests : OneApiHost
{
    /// <summary>25 messages: 1–15 persisted by the worker, 16–25 only accepted; 7 is edited and 9 deleted while pending.</summary>
    private async Task<string> ChatWithMixedHistoryAsync()
    {
        var token = await Api.CreateApplicationAsync();
        await PostAsync($"/applications/{token}/chats", new { name = "history" });
        await using (await WorkerHost.StartAsync())
        {
            for (var i = 1; i <= 15; i++) await PostAsync(Messages(token), new { body = $"m{i}" });
            Assert.That(await WorkerHost.WaitForMessagesAsync(token, 15), Is.EqualTo(15));
        }
        for (var i = 16; i <= 25; i++) await PostAsync(Messages(token), new { body = $"m{i}" });
        await (await Client.SendJsonAsync(HttpMethod.Patch, $"{Messages(token)}/7", new { body = "m7 edited" })).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That((await Client.DeleteAsync($"{Messages(token)}/9")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        return token;
    }

    [Test]
    public async Task WalkingNextBackwardAndForwardReturnsEveryMessageOnceInOrder()
    {
        var token = await ChatWithMixedHistoryAsync();
        var expected = Enumerable.Range(1, 25).Where(n => n != 9).ToList();

        var backward = await WalkAsync($"{Messages(token)}?limit=4");
        Assert.That(backward.Select(m => m.Number), Is.EqualTo(expected.AsEnumerable().Reverse()), "newest first, each once");
        var forward = await WalkAsync($"{Messages(token)}?limit=4&after=0");
        Assert.That(forward.Select(m => m.Number), Is.EqualTo(expected), "oldest first, each once");
        Assert.That(forward.Single(m => m.Number == 7).Body, Is.EqualTo("m7 edited"), "a pending edit wins over the persisted row");

        await (await Client.GetAsync($"{Messages(token)}/9")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        var seven = await (await Client.GetAsync($"{Messages(token)}/7")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(seven.GetProperty("body").GetString(), Is.EqualTo("m7 edited"));
    }

    [Test]
    public async Task AfterTheWorkerDrainsTheSameHistoryIsServedFromMySql()
    {
        var token = await ChatWithMixedHistoryAsync();
        var expected = Enumerable.Range(1, 25).Where(n => n != 9).ToList();
        var pending = RedisKeys.PendingMessages(await Database.ScalarAsync<long>("SELECT id FROM applications WHERE token = @t", ("@t", token)), 1);
        await using var redis = await ConnectionMultiplexer.ConnectAsync(TestServices.Redis);
        Assert.That(await redis.GetDatabase().HashLengthAsync(pending), Is.GreaterThan(0), "the history starts partly pending");
        await using (await WorkerHost.StartAsync())
        {
            Assert.That(await Eventually.HoldsAsync(async () =>
                (await Database.MessagesAsync(token)).Select(m => m.Number).SequenceEqual(expected)), Is.True, "drained");
            Assert.That(await Eventually.HoldsAsync(async () => await redis.GetDatabase().HashLengthAsync(pending) == 0), Is.True,
                "every pending state released after its commit, so what follows is read from MySQL");
        }
        var all = await WalkAsync($"{Messages(token)}?limit=200");
        Assert.That(all.Select(m => m.Number), Is.EqualTo(Enumerable.Range(1, 25).Where(n => n != 9).Reverse()));
        Assert.That(all.Single(m => m.Number == 7).Body, Is.EqualTo("m7 edited"));
        var rows = await Database.MessagesAsync(token);
        Assert.That(rows.Single(r => r.Number == 7).Body, Is.EqualTo("m7 edited"));
        Assert.That(rows.Any(r => r.Number == 9), Is.False, "the deletion reached MySQL");
    }

    [Test]
    public async Task FromAndToBoundCreatedAtInclusively()
    {
        var token = await Api.CreateApplicationAsync();
        await PostAsync($"/applications/{token}/chats", new { });
        var created = new List<DateTime>();
        async Task PostTimedAsync(int i)
        {
            created.Add((await PostAsync(Messages(token), new { body = $"m{i}" })).GetProperty("created_at").GetDateTime());
            await Task.Delay(15);
        }
        // 1–3 persisted, 4–6 pending: the bounds must hold in MySQL's query and in the pending set alike.
        await using (await WorkerHost.StartAsync())
        {
            for (var i = 1; i <= 3; i++) await PostTimedAsync(i);
            Assert.That(await WorkerHost.WaitForMessagesAsync(token, 3), Is.EqualTo(3));
        }
        for (var i = 4; i <= 6; i++) await PostTimedAsync(i);
        var from = Uri.EscapeDataString(created[1].ToString("O"));
        var to = Uri.EscapeDataString(created[4].ToString("O"));
        var page = await WalkAsync($"{Messages(token)}?limit=2&from={from}&to={to}");
        Assert.That(page.Select(m => m.Number), Is.EqualTo(new[] { 5, 4, 3, 2 }));
    }

    [TestCase("limit=201")]
    [TestCase("limit=0")]
    [TestCase("before=abc")]
    [TestCase("after=-1")]
    [TestCase("before=0")]
    [TestCase("from=yesterday")]
    [TestCase("from=2026-01-02T00:00:00Z&to=2026-01-01T00:00:00Z")]
    public async Task BadQueryParametersAre400(string query)
    {
        var token = await Api.CreateApplicationAsync();
        await PostAsync($"/applications/{token}/chats", new { });
        await (await Client.GetAsync($"{Messages(token)}?{query}")).ShouldBeProblemAsync(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task ChatListPagesAscendingOverPendingAndPersistedChats()
    {
        var token = await Api.CreateApplicationAsync();
        await using (await WorkerHost.StartAsync())
        {
            for (var i = 1; i <= 5; i++) await PostAsync($"/applications/{token}/chats", new { name = $"c{i}" });
            await WorkerHost.WaitForChatsAsync(token, 5);
        }
        for (var i = 6; i <= 9; i++) await PostAsync($"/applications/{token}/chats", new { name = $"c{i}" });
        await (await Client.SendJsonAsync(HttpMethod.Patch, $"/applications/{token}/chats/2", new { name = "renamed" })).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That((await Client.DeleteAsync($"/applications/{token}/chats/3")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));

        var chats = new List<JsonElement>();
        for (var url = $"/applications/{token}/chats?limit=3"; url is not null;)
        {
            var page = await (await Client.GetAsync(url)).ShouldBeAsync(HttpStatusCode.OK);
            chats.AddRange(page.GetProperty("data").EnumerateArray());
            url = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetString();
        }
        Assert.That(chats.Select(c => c.GetProperty("number").GetInt32()), Is.EqualTo(new[] { 1, 2, 4, 5, 6, 7, 8, 9 }));
        Assert.That(chats.Single(c => c.GetProperty("number").GetInt32() == 2).GetProperty("name").GetString(), Is.EqualTo("renamed"));
        await (await Client.GetAsync($"/applications/{token}/chats/3")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await Client.PostAsJsonAsync($"{Messages(token, 3)}", new { body = "x" })).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    private static string Messages(string token, int chat = 1) => $"/applications/{token}/chats/{chat}/messages";

    private async Task<JsonElement> PostAsync(string url, object body) =>
        await (await Client.PostAsJsonAsync(url, body)).ShouldBeAsync(HttpStatusCode.Created);

    private async Task<List<(int Number, string Body)>> WalkAsync(string url)
    {
        var seen = new List<(int, string)>();
        for (var pages = 0; url is not null && pages < 100; pages++)
        {
            var page = await (await Client.GetAsync(url)).ShouldBeAsync(HttpStatusCode.OK);
            seen.AddRange(page.GetProperty("data").EnumerateArray().Select(m => (m.GetProperty("number").GetInt32(), m.GetProperty("body").GetString()!)));
            url = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null! : page.GetProperty("next").GetString()!;
        }
        return seen;
    }
}
