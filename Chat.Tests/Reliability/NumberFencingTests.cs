using Chat.Contracts;
using System.Net;
using System.Net.Http.Json;
using Chat.Tests.Infrastructure;
using StackExchange.Redis;

namespace Chat.Tests.Reliability;

/// <summary>
/// Numbers when something dies at the wrong moment (docs/decisions/0003). Redis can come back with older data
/// than it acknowledged — a failover to a lagging replica, a host crash with <c>appendfsync everysec</c> — and
/// then holds a counter below numbers already handed out: a block installed by an earlier run of the server
/// must never be used again. And a replica that dies while reserving a block leaves its lock behind.
/// </summary>
public sealed class NumberFencingTests
{
    [Test]
    public async Task ACounterLeftByAnEarlierRedisRunIsNeverUsedAgain()
    {
        await using var api = new ApiFactory();
        var client = api.CreateClient();
        var token = await api.CreateApplicationAsync();
        await client.CreateChatAsync(token, new { });
        async Task<int> PostAsync() =>
            (await (await client.PostAsJsonAsync($"/applications/{token}/chats/1/messages", new { body = "m" })).ShouldBeAsync(HttpStatusCode.Created))
            .GetProperty("number").GetInt32();
        var first = new[] { await PostAsync(), await PostAsync(), await PostAsync() };
        Assert.That(first, Is.EqualTo(new[] { 1, 2, 3 }));

        // What a restart from older data looks like: the counter one number back, from a server run that is gone.
        var app = await Database.ScalarAsync<long>("SELECT id FROM applications WHERE token = @t", ("@t", token));
        // The block after the one in use is reserved ahead, in the background: the durable mark is 2000 once it is.
        Assert.That(await Eventually.HoldsAsync(async () => await MarkAsync(NumberScopes.Messages(app, 1)) == 2000), "reserved ahead");
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(TestServices.Redis))
            await redis.GetDatabase().HashSetAsync(RedisKeys.MessageNumbers(app, 1), [new("next", 1), new("run", "an-earlier-run")]);

        var after = await PostAsync();
        Assert.That(after, Is.GreaterThan(3), "no number handed out before is handed out again");
        Assert.That(after, Is.EqualTo(2001), "the next block above the durable mark");
    }

    [Test]
    public async Task AReservationLockLeftByADeadReplicaDelaysTheFirstNumberButDoesNotFailIt()
    {
        await using var api = new ApiFactory();
        var client = api.CreateClient();
        var token = await api.CreateApplicationAsync();
        await client.CreateChatAsync(token, new { });
        // A replica killed while it reserved the chat's first block leaves the lock until it expires. (The block a new
        // chat reserves ahead is let in first, then taken away: this chat's first message needs a block again.)
        var app = await Database.ScalarAsync<long>("SELECT id FROM applications WHERE token = @t", ("@t", token));
        var counter = RedisKeys.MessageNumbers(app, 1);
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(TestServices.Redis))
        {
            Assert.That(await Eventually.HoldsAsync(() => redis.GetDatabase().KeyExistsAsync(counter)), "reserved ahead at the chat's creation");
            await redis.GetDatabase().KeyDeleteAsync(counter);
            await redis.GetDatabase().StringSetAsync(counter + ":reserving", "a-dead-replica", TimeSpan.FromSeconds(2));
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.That(await client.PostMessageAsync(token, 1, "m"), Is.EqualTo(1001), "from the block after the one taken away");
        Assert.That(clock.Elapsed, Is.GreaterThan(TimeSpan.FromSeconds(1)), "it waited for the lock to expire");
    }

    private static Task<long> MarkAsync(string scope) =>
        Database.ScalarAsync<long>("SELECT COALESCE(MAX(reserved_up_to), 0) FROM number_blocks WHERE scope = @s", ("@s", scope));
}
