using Chat.Contracts;
using System.Net;
using System.Net.Http.Json;
using Chat.Domain.Messaging;
using Chat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;
using StackExchange.Redis;

namespace Chat.Tests.Reliability;

/// <summary>
/// A dependency that is down is the server's problem, not a bug: every endpoint that needs it answers 503 with
/// Retry-After, quickly, and nothing is logged as an unhandled exception.
/// </summary>
public sealed class DependencyDownTests
{
    // Nothing listens on port 1: connections are refused at once.
    private const string Nowhere = "127.0.0.1:1";
    private const string MySqlNowhere = "Server=127.0.0.1;Port=1;Database=chat;User ID=chat;Password=chat;Connection Timeout=2";

    [Test]
    public async Task MySqlDownIs503WithRetryAfterOnEveryEndpointThatNeedsIt()
    {
        await using var api = new ApiFactory(new Dictionary<string, string?>
        {
            ["ConnectionStrings:MySql"] = MySqlNowhere,
        });
        var client = api.CreateClient();
        var token = ApplicationToken.New(); // not cached: the lookup needs MySQL
        await ShouldBeUnavailableAsync(await client.PostAsJsonAsync("/applications", new { name = "x" }));
        await ShouldBeUnavailableAsync(await client.GetAsync($"/applications/{token}"));
        await ShouldBeUnavailableAsync(await client.SendJsonAsync(HttpMethod.Patch, $"/applications/{token}", new { name = "x" }));
        using var list = new HttpRequestMessage(HttpMethod.Get, "/applications") { Headers = { { "X-Admin-Key", TestServices.AdminKey } } };
        await ShouldBeUnavailableAsync(await client.SendAsync(list));
        Assert.That(Unhandled(api), Is.Empty);
    }

    [Test]
    public async Task MessagesGoOnWithoutMySqlOnTheBlocksReservedAhead()
    {
        var small = new Dictionary<string, string?> { ["Numbers:BlockSize"] = "10", ["Numbers:FeedBlockSize"] = "10" };
        await using var healthy = new ApiFactory(small);
        var client = healthy.CreateClient();
        var token = await healthy.CreateApplicationAsync();
        var busy = await client.CreateChatAsync(token, new { name = "busy" });
        var quiet = await client.CreateChatAsync(token, new { name = "no message yet" });
        Assert.That(await client.PostMessageAsync(token, busy, "1"), Is.EqualTo(1));
        // In the background: the busy chat's numbers and the feed's positions up to 20 (the block in use and the next),
        // the quiet chat's first block.
        var app = await Database.ScalarAsync<long>("SELECT id FROM applications WHERE token = @t", ("@t", token));
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(TestServices.Redis))
        {
            async Task<long> LimitAsync(string counter) => (long?)await redis.GetDatabase().HashGetAsync(counter, "limit") ?? 0;
            Assert.That(await Eventually.HoldsAsync(async () => await LimitAsync(RedisKeys.MessageNumbers(app, busy)) == 20
                && await LimitAsync(RedisKeys.FeedSeq(app)) == 20 && await LimitAsync(RedisKeys.MessageNumbers(app, quiet)) >= 10), "reserved ahead");
        }

        await using var cutOff = new ApiFactory(new Dictionary<string, string?>(small) { ["ConnectionStrings:MySql"] = MySqlNowhere });
        var away = cutOff.CreateClient();
        // More than the 9 numbers and 7 positions left in the blocks in use when MySQL went away.
        for (var n = 2; n <= 15; n++) Assert.That(await away.PostMessageAsync(token, busy, $"{n}"), Is.EqualTo(n));
        Assert.That(await away.PostMessageAsync(token, quiet, "first"), Is.EqualTo(1));
    }

    [Test]
    public async Task AChatPersistedBeforeMySqlWentAwayTakesMessagesAndADeletedOneStaysGoneAndTheSenderReadsTheirOwnLater()
    {
        await using var healthy = new ApiFactory();
        var client = healthy.CreateClient();
        var token = await healthy.CreateApplicationAsync();
        var live = await client.CreateChatAsync(token, new { name = "live", members = new[] { "alice", "bob" } });
        var gone = await client.CreateChatAsync(token, new { name = "gone" });
        Assert.That((await client.DeleteAsync($"/applications/{token}/chats/{gone}")).StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        var app = await Database.ScalarAsync<long>("SELECT id FROM applications WHERE token = @t", ("@t", token));
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(TestServices.Redis))
        await using (await WorkerHost.StartAsync())
            // Persisted and released: no pending copy, and the worker raised the generation of any cached row.
            Assert.That(await Eventually.HoldsAsync(async () => await redis.GetDatabase().HashLengthAsync(RedisKeys.PendingChats(app)) == 0
                && await Database.ScalarAsync<long>("SELECT COUNT(*) FROM chats WHERE application_id = @a AND deleted_at IS NOT NULL", ("@a", app)) == 1),
                "both chats persisted");

        await using var cutOff = new ApiFactory(new Dictionary<string, string?> { ["ConnectionStrings:MySql"] = MySqlNowhere });
        var away = cutOff.CreateClient();
        var sent = await away.PostAsJsonAsync($"/applications/{token}/chats/{live}/messages", new { body = "while MySQL is away", sender = "alice" });
        Assert.That((await sent.ShouldBeAsync(HttpStatusCode.Created)).GetProperty("number").GetInt32(), Is.EqualTo(1),
            "the chat's last known state says it exists; its roster, which only moves the sender's cursors, may wait");
        var intoDeleted = await away.PostAsJsonAsync($"/applications/{token}/chats/{gone}/messages", new { body = "lost?" });
        Assert.That(intoDeleted.StatusCode, Is.EqualTo(HttpStatusCode.NotFound), "and that the other was deleted");
        var unknown = await away.PostAsJsonAsync($"/applications/{token}/chats/{gone + 1}/messages", new { body = "?" });
        Assert.That(unknown.StatusCode, Is.EqualTo(HttpStatusCode.ServiceUnavailable), "a chat Redis knows nothing of needs MySQL to say");

        // The command carried no cursors for alice: the worker moves them as it writes her message, so it is not unread for her.
        async Task<Dictionary<string, int>> UnreadAsync() => (await client.GetOkAsync($"/applications/{token}/chats/{live}/members"))
            .GetProperty("data").EnumerateArray().ToDictionary(m => m.GetProperty("user").GetString()!, m => m.GetProperty("unread_count").GetInt32());
        // Read (and the roster so cached) before the worker runs: a pending message never counts for its sender.
        Assert.That(await UnreadAsync(), Is.EqualTo(new Dictionary<string, int> { ["alice"] = 0, ["bob"] = 1 }));
        // The worker keeps running until the end: it drops the cached roster just after its commit.
        await using var worker = await WorkerHost.StartAsync();
        Assert.That(await Eventually.HoldsAsync(async () => await Database.ScalarAsync<long>(
            "SELECT read_up_to FROM chat_members m JOIN chats c ON c.id = m.chat_id WHERE c.application_id = @a AND c.number = @n AND m.user_id = 'alice'",
            ("@a", app), ("@n", live)) == 1), "alice's read cursor moved by the worker");
        // Within seconds, not the cache's 60 s.
        var expected = new Dictionary<string, int> { ["alice"] = 0, ["bob"] = 1 };
        Assert.That(await Eventually.HoldsAsync(async () => (await UnreadAsync()).OrderBy(m => m.Key).SequenceEqual(expected.OrderBy(m => m.Key)),
            TimeSpan.FromSeconds(10)), "served soon: the cached roster was dropped");
    }

    [Test]
    public async Task APublishNoQueueTookIsAFailureNotAConfirm()
    {
        await using var api = new ApiFactory();
        var publisher = api.Services.GetRequiredService<CommandPublisher>();
        var unbound = $"test.unbound.{Guid.NewGuid():N}";
        await using var rabbit = await new ConnectionFactory { Uri = new Uri(TestServices.RabbitMq) }.CreateConnectionAsync();
        await using var channel = await rabbit.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(unbound, ExchangeType.Fanout, durable: false, autoDelete: false);
        try
        {
            // The broker acks a message it routed nowhere; only a mandatory publish hears of it (basic.return).
            Assert.ThrowsAsync<BrokerUnavailableException>(() => publisher.PublishAsync(unbound, "{}"u8.ToArray(), null, null, CancellationToken.None));
        }
        finally
        {
            await channel.ExchangeDeleteAsync(unbound);
        }
    }

    [Test]
    public async Task AChannelTheBrokerNackedIsNotUsedAgain()
    {
        await using var api = new ApiFactory(new Dictionary<string, string?> { ["Messaging:PublishChannels"] = "1" });
        var publisher = api.Services.GetRequiredService<CommandPublisher>();
        var connection = await api.Services.GetRequiredService<RabbitMqConnection>().GetAsync(CancellationToken.None);
        var (full, open) = ($"test.full.{Guid.NewGuid():N}", $"test.open.{Guid.NewGuid():N}");
        await using var rabbit = await new ConnectionFactory { Uri = new Uri(TestServices.RabbitMq) }.CreateConnectionAsync();
        await using var channel = await rabbit.CreateChannelAsync();
        foreach (var name in new[] { full, open }) await channel.ExchangeDeclareAsync(name, ExchangeType.Fanout);
        // A full quorum queue nacks every publish: filled (confirmed) until it refuses.
        await Topology.DeclareQuorumQueueAsync(channel, full, new() { ["x-max-length"] = 1, ["x-overflow"] = "reject-publish" }, default);
        await using (var filling = await rabbit.CreateChannelAsync(new CreateChannelOptions(true, true)))
            Assert.That(await Eventually.HoldsAsync(async () =>
            {
                try { await filling.BasicPublishAsync(full, "", "{}"u8.ToArray()); return false; }
                catch (RabbitMQ.Client.Exceptions.PublishException) { return true; }
            }, TimeSpan.FromSeconds(5)), "the queue refuses");
        await Topology.DeclareQuorumQueueAsync(channel, open, new(), default);
        try
        {
            await publisher.PublishAsync(open, "{}"u8.ToArray(), null, null, CancellationToken.None);
            var before = await BrokerFaults.ChannelsAsync(connection.LocalPort);
            Assert.ThrowsAsync<BrokerUnavailableException>(() => publisher.PublishAsync(full, "{}"u8.ToArray(), null, null, CancellationToken.None));
            await publisher.PublishAsync(open, "{}"u8.ToArray(), null, null, CancellationToken.None);
            var after = await BrokerFaults.ChannelsAsync(connection.LocalPort);
            Assert.That(before, Is.Not.Empty);
            Assert.That(after, Is.Not.Empty);
            Assert.That(after.Intersect(before), Is.Empty, "the publish after a nack goes on a channel opened since");
        }
        finally
        {
            foreach (var name in new[] { full, open })
            {
                await channel.QueueDeleteAsync(name);
                await channel.ExchangeDeleteAsync(name);
            }
        }
    }

    [Test]
    public async Task RabbitMqDownIs503WithRetryAfterAndTheChatIsNotShown()
    {
        await using var healthy = new ApiFactory();
        var token = await healthy.CreateApplicationAsync();
        await using var api = new ApiFactory(new Dictionary<string, string?>
        {
            ["ConnectionStrings:RabbitMq"] = $"amqp://chat:chat@{Nowhere}/chat",
        });
        var client = api.CreateClient();
        await ShouldBeUnavailableAsync(await client.PostAsJsonAsync($"/applications/{token}/chats", new { name = "x" }));
        await (await client.GetAsync($"/applications/{token}/chats/1")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.That(Unhandled(api), Is.Empty);
    }

    /// <summary>What the API itself logged as an error (EF logs every failed connection at Error on its own).</summary>
    private static List<string> Unhandled(ApiFactory api) =>
        api.Logs.Errors.Where(e => e.Category.StartsWith("Chat.") || e.Category.StartsWith("Microsoft.AspNetCore")).Select(e => e.ToString()).ToList();

    private static async Task ShouldBeUnavailableAsync(HttpResponseMessage response)
    {
        await response.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.That(response.Headers.RetryAfter?.Delta?.TotalSeconds, Is.GreaterThan(0), "Retry-After");
    }
}
