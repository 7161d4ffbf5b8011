using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Messages;

/// <summary>Queued creation: numbers, read-your-writes across hosts, and that every 201 ends as exactly one row.</summary>
public sealed class WritePathTests : TwoApiHosts
{
    [Test]
    public async Task ChatNumbersAreExactlyOneTo200UnderConcurrentPosts()
    {
        var token = await HostA.CreateApplicationAsync();
        var clients = new[] { HostA.CreateClient(), HostB.CreateClient() };
        var numbers = await Task.WhenAll(Enumerable.Range(0, 200).Select(async i =>
        {
            using var response = await clients[i % 2].PostAsJsonAsync($"/applications/{token}/chats", new { name = $"chat {i}" });
            return (await response.ShouldBeAsync(HttpStatusCode.Created)).GetProperty("number").GetInt32();
        }));
        Assert.That(numbers.Order(), Is.EqualTo(Enumerable.Range(1, 200)));
    }

    [Test]
    public async Task ThousandMessagesThroughTwoHostsAreNumberedOneToKReadableAtOnceAndPersistedOnce()
    {
        var token = await HostA.CreateApplicationAsync();
        var (a, b) = (HostA.CreateClient(), HostB.CreateClient());
        for (var chat = 1; chat <= 5; chat++)
            await a.CreateChatAsync(token, new { });

        var accepted = new ConcurrentBag<(int Chat, int Number, string Body)>();
        var unreadable = 0;
        using var throttle = new SemaphoreSlim(32);
        await Task.WhenAll(Enumerable.Range(0, 1000).Select(async i =>
        {
            await throttle.WaitAsync();
            try
            {
                var (writer, reader) = i % 2 == 0 ? (a, b) : (b, a);
                var chat = i % 5 + 1;
                var body = $"message {i}";
                using var created = await writer.PostAsJsonAsync($"/applications/{token}/chats/{chat}/messages", new { body });
                var number = (await created.ShouldBeAsync(HttpStatusCode.Created)).GetProperty("number").GetInt32();
                accepted.Add((chat, number, body));
                // Read-your-writes on the other host, before any worker runs.
                using var read = await reader.GetAsync($"/applications/{token}/chats/{chat}/messages/{number}");
                if (read.StatusCode != HttpStatusCode.OK || (await read.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("body").GetString() != body)
                    Interlocked.Increment(ref unreadable);
            }
            finally
            {
                throttle.Release();
            }
        }));

        Assert.That(unreadable, Is.Zero, "every message is readable on the other host right after its 201");
        foreach (var chat in accepted.GroupBy(m => m.Chat))
            Assert.That(chat.Select(m => m.Number).Order(), Is.EqualTo(Enumerable.Range(1, chat.Count())), $"chat {chat.Key}");

        await using (await WorkerHost.StartAsync())
            Assert.That(await WorkerHost.WaitForMessagesAsync(token, 1000), Is.EqualTo(1000));
        var persisted = await Database.MessagesAsync(token);
        Assert.That(persisted, Is.EquivalentTo(accepted), "every 201 is exactly one row, with its body");
    }

    [Test]
    public async Task MessagePostedRightAfterItsChatAndEditedRightAfterItsPostEndPersistedCorrectly()
    {
        var token = await HostA.CreateApplicationAsync();
        var client = HostA.CreateClient();
        await using var worker = await WorkerHost.StartAsync();
        for (var i = 0; i < 20; i++)
        {
            var chat = await client.CreateChatAsync(token, new { });
            var number = (await (await client.PostAsJsonAsync($"/applications/{token}/chats/{chat}/messages", new { body = "draft" }))
                .ShouldBeAsync(HttpStatusCode.Created)).GetProperty("number").GetInt32();
            await (await client.SendJsonAsync(HttpMethod.Patch, $"/applications/{token}/chats/{chat}/messages/{number}", new { body = $"final {i}" }))
                .ShouldBeAsync(HttpStatusCode.OK);
        }
        var expected = Enumerable.Range(0, 20).Select(i => $"final {i}").Order().ToList();
        await Eventually.HoldsAsync(async () => (await Database.MessagesAsync(token)).Select(m => m.Body).Order().SequenceEqual(expected));
        Assert.That((await Database.MessagesAsync(token)).Select(m => m.Body), Is.EquivalentTo(expected));
    }

    [Test]
    public async Task NumbersAreNeverHandedOutTwiceWhenRedisLosesItsData()
    {
        var token = await HostA.CreateApplicationAsync();
        var client = HostA.CreateClient();
        await using var worker = await WorkerHost.StartAsync();
        await client.CreateChatAsync(token, new { });
        // The chat must be persisted first: a chat that exists only in Redis is lost with Redis's data.
        await WorkerHost.WaitForChatsAsync(token, 1);

        async Task<int[]> PostAsync(int count) => await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
            (await (await client.PostAsJsonAsync($"/applications/{token}/chats/1/messages", new { body = $"m{i}" }))
                .ShouldBeAsync(HttpStatusCode.Created)).GetProperty("number").GetInt32()));

        var before = await PostAsync(50);
        await TestServices.FlushRedisAsync();
        var after = await PostAsync(50);

        Assert.That(before.Concat(after), Is.Unique, "no number reused after Redis lost its counters");
        Assert.That(after.Min(), Is.GreaterThan(before.Max()));
        Assert.That(await WorkerHost.WaitForMessagesAsync(token, 100), Is.EqualTo(100), "everything accepted is persisted");
    }

    [Test]
    public async Task ARedisThatForgotItsScriptsIsTaughtThemAgainAndNothingFails()
    {
        var token = await HostA.CreateApplicationAsync();
        var client = HostA.CreateClient();
        await using var worker = await WorkerHost.StartAsync();
        await client.CreateChatAsync(token, new { });
        for (var i = 0; i < 5; i++) await client.PostMessageAsync(token, 1, $"before {i}");
        Assert.That(await WorkerHost.WaitForMessagesAsync(token, 5), Is.EqualTo(5));

        // Scripts run by their SHA-1: a server without them answers NOSCRIPT, and the text goes once (API and worker).
        await TestServices.FlushRedisScriptsAsync();
        for (var i = 0; i < 5; i++) await client.PostMessageAsync(token, 1, $"after {i}");
        Assert.That(await WorkerHost.WaitForMessagesAsync(token, 10), Is.EqualTo(10), "accepted and persisted after the flush");
    }

    [Test]
    public async Task IdempotencyKeyReplaysTheFirstResponseAndAllocatesOnce()
    {
        var token = await HostA.CreateApplicationAsync();
        var client = HostA.CreateClient();
        await client.CreateChatAsync(token, new { });

        async Task<(HttpStatusCode, string)> PostAsync(string appToken, string body, string key)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/applications/{appToken}/chats/1/messages")
            {
                Content = JsonContent.Create(new { body }),
                Headers = { { "Idempotency-Key", key } },
            };
            using var response = await client.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var concurrent = await Task.WhenAll(Enumerable.Range(0, 10).Select(_ => PostAsync(token, "hello", "key-1")));
        var sequential = new List<(HttpStatusCode, string)>();
        for (var i = 0; i < 10; i++) sequential.Add(await PostAsync(token, "hello", "key-1"));

        Assert.That(concurrent.Concat(sequential).Select(r => r.Item1), Has.All.EqualTo(HttpStatusCode.Created));
        Assert.That(concurrent.Concat(sequential).Select(r => r.Item2).Distinct().Count(), Is.EqualTo(1), "identical responses");
        var (status, _) = await PostAsync(token, "a different body", "key-1");
        Assert.That(status, Is.EqualTo(HttpStatusCode.UnprocessableEntity));

        var next = await PostAsync(token, "hello", "key-2");
        Assert.That(JsonDocument.Parse(next.Item2).RootElement.GetProperty("number").GetInt32(), Is.EqualTo(2), "key-1 allocated one number only");

        var other = await HostA.CreateApplicationAsync();
        await client.CreateChatAsync(other, new { });
        var (otherStatus, otherBody) = await PostAsync(other, "hello", "key-1");
        Assert.That(otherStatus, Is.EqualTo(HttpStatusCode.Created), "keys are scoped per application");
        Assert.That(JsonDocument.Parse(otherBody).RootElement.GetProperty("number").GetInt32(), Is.EqualTo(1));
    }
}
