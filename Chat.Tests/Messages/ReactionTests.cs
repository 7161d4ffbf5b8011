using System.Net;
using System.Text.Json;
using Chat.Contracts;
using Chat.Tests.Infrastructure;
using StackExchange.Redis;

namespace Chat.Tests.Messages;

/// <summary>Reactions, a kind of write through the pipeline (API.md "Messages: … reactions …", docs/decisions/0017).</summary>
public sealed class ReactionTests : TwoApiHosts
{
    private static string Reactions(string token, int chat, int number, string reaction, string? user = null) =>
        $"/applications/{token}/chats/{chat}/messages/{number}/reactions/{Uri.EscapeDataString(reaction)}{(user is null ? "" : $"?user={Uri.EscapeDataString(user)}")}";

    private static Dictionary<string, int> CountsOf(JsonElement message) =>
        message.GetProperty("reactions").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetInt32());

    [Test]
    public async Task AddingIsIdempotentCountsShowEverywhereAndChangesReachHubAndFeed()
    {
        var (token, secret) = await HostA.CreateClient().CreateApplicationWithSecretAsync("user_tokens");
        var (a, b) = (HostA.CreateClient(), HostB.CreateClient());
        var chat = (await (await a.SendAsAsync(secret, HttpMethod.Post, $"/applications/{token}/chats", new { members = new[] { "alice", "bob" } }))
            .ShouldBeAsync(HttpStatusCode.Created)).GetProperty("number").GetInt32();
        var (alice, bob) = (UserTokens.For(secret, "alice"), UserTokens.For(secret, "bob"));
        await (await a.SendAsAsync(alice, HttpMethod.Post, $"/applications/{token}/chats/{chat}/messages", new { body = "hi" })).ShouldBeAsync(HttpStatusCode.Created);
        await using var hub = await HubClient.ConnectAsync(HostB, secret, token);
        await hub.JoinAsync(token, chat);

        var first = await (await a.SendAsAsync(alice, HttpMethod.Put, Reactions(token, chat, 1, "👍"))).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(CountsOf(first), Is.EqualTo(new Dictionary<string, int> { ["👍"] = 1 }));
        Assert.That(first.GetProperty("own_reactions").Strings(), Is.EqualTo(new[] { "👍" }));
        await (await b.SendAsAsync(alice, HttpMethod.Put, Reactions(token, chat, 1, "👍"))).ShouldBeAsync(HttpStatusCode.OK); // twice is once
        await (await b.SendAsAsync(bob, HttpMethod.Put, Reactions(token, chat, 1, "👍"))).ShouldBeAsync(HttpStatusCode.OK);
        await (await b.SendAsAsync(secret, HttpMethod.Put, Reactions(token, chat, 1, "party", user: "bob"))).ShouldBeAsync(HttpStatusCode.OK);

        var asBob = await (await a.SendAsAsync(bob, HttpMethod.Get, $"/applications/{token}/chats/{chat}/messages")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(CountsOf(asBob.GetProperty("data")[0]), Is.EqualTo(new Dictionary<string, int> { ["👍"] = 2, ["party"] = 1 }));
        Assert.That(asBob.GetProperty("data")[0].GetProperty("own_reactions").Strings(), Is.EqualTo(new[] { "party", "👍" }));
        var asServer = await (await b.SendAsAsync(secret, HttpMethod.Get, $"/applications/{token}/chats/{chat}/messages/1")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(asServer.TryGetProperty("own_reactions", out _), Is.False, "own_reactions only for a user token");

        await (await a.SendAsAsync(bob, HttpMethod.Delete, Reactions(token, chat, 1, "👍"))).ShouldBeAsync(HttpStatusCode.OK);
        await (await a.SendAsAsync(bob, HttpMethod.Delete, Reactions(token, chat, 1, "👍"))).ShouldBeAsync(HttpStatusCode.OK); // nothing to remove
        var after = await (await b.SendAsAsync(alice, HttpMethod.Get, $"/applications/{token}/chats/{chat}/messages/1")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(CountsOf(after), Is.EqualTo(new Dictionary<string, int> { ["👍"] = 1, ["party"] = 1 }));

        // A user token never reacts as another user; bad input is a problem, never a 500.
        await (await a.SendAsAsync(alice, HttpMethod.Put, Reactions(token, chat, 1, "👍", user: "bob"))).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await a.SendAsAsync(secret, HttpMethod.Put, Reactions(token, chat, 1, "👍"))).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await a.SendAsAsync(alice, HttpMethod.Put, Reactions(token, chat, 1, new string('x', 33)))).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await a.SendAsAsync(alice, HttpMethod.Put, Reactions(token, chat, 9, "👍"))).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        var events = await hub.DrainAsync(TimeSpan.FromSeconds(2));
        Assert.That(events.Where(e => e.Name.StartsWith("reaction", StringComparison.Ordinal)).Select(e => e.Name),
            Is.EqualTo(new[] { "reactionAdded", "reactionAdded", "reactionAdded", "reactionRemoved" }), "one event per change, none for a repeat");
        var feed = await (await a.SendAsAsync(secret, HttpMethod.Get, $"/applications/{token}/events?after=0")).ShouldBeAsync(HttpStatusCode.OK);
        var entries = feed.GetProperty("data").EnumerateArray().Where(e => e.GetProperty("type").GetString()!.StartsWith("reaction.", StringComparison.Ordinal)).ToList();
        Assert.That(entries.Select(e => (e.GetProperty("type").GetString(), e.GetProperty("user").GetString(), e.GetProperty("data").GetProperty("reaction").GetString())),
            Is.EqualTo(new[] { ("reaction.added", "alice", "👍"), ("reaction.added", "bob", "👍"), ("reaction.added", "bob", "party"), ("reaction.removed", "bob", "👍") }));

        await using (await WorkerHost.StartAsync())
        {
            Assert.That(await Eventually.HoldsAsync(async () => await Database.ScalarAsync<long>(
                "SELECT COUNT(*) FROM message_reactions r JOIN chats c ON c.id = r.chat_id JOIN applications a ON a.id = c.application_id WHERE a.token = @t AND r.removed_at IS NULL",
                ("@t", token)) == 2), "persisted: alice 👍 and bob party");
        }
        var persisted = await (await a.SendAsAsync(bob, HttpMethod.Get, $"/applications/{token}/chats/{chat}/messages?after=0")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(CountsOf(persisted.GetProperty("data")[0]), Is.EqualTo(new Dictionary<string, int> { ["👍"] = 1, ["party"] = 1 }));
        Assert.That(persisted.GetProperty("data")[0].GetProperty("own_reactions").Strings(), Is.EqualTo(new[] { "party" }));
    }

    [Test]
    public async Task ConcurrentAddsAndRemovesFromTwoHostsConverge()
    {
        var token = await HostA.CreateApplicationAsync();
        var clients = new[] { HostA.CreateClient(), HostB.CreateClient() };
        var chat = await clients[0].CreateChatAsync(token, new { name = "busy" });
        await clients[0].PostMessageAsync(token, chat, "react to me");
        var users = Enumerable.Range(1, 8).Select(i => $"u{i}").ToList();

        // Every user adds and removes the same reactions many times at once through both hosts; distinct users all add 🎉.
        await Task.WhenAll(users.SelectMany(user => Enumerable.Range(0, 12).Select(async i =>
        {
            var client = clients[i % 2];
            var method = i % 3 == 2 ? HttpMethod.Delete : HttpMethod.Put;
            await (await client.SendAsAsync(null, method, Reactions(token, chat, 1, "👍", user))).ShouldBeAsync(HttpStatusCode.OK);
            await (await client.SendAsAsync(null, HttpMethod.Put, Reactions(token, chat, 1, "🎉", user))).ShouldBeAsync(HttpStatusCode.OK);
        })));

        async Task<Dictionary<string, int>> CountsAsync(HttpClient client) => CountsOf(await client.GetOkAsync($"/applications/{token}/chats/{chat}/messages/1"));
        var onA = await CountsAsync(clients[0]);
        Assert.That(await CountsAsync(clients[1]), Is.EqualTo(onA), "both hosts agree");
        Assert.That(onA["🎉"], Is.EqualTo(users.Count), "concurrent adds by different users all count, repeats once");

        // The thumbs-up states each user ended with, read from the pending states as both hosts see them.
        await using var worker = await WorkerHost.StartAsync();
        var app = await Database.ScalarAsync<long>("SELECT id FROM applications WHERE token = @t", ("@t", token));
        await using var redis = await ConnectionMultiplexer.ConnectAsync(TestServices.Redis);
        Assert.That(await Eventually.HoldsAsync(async () => await redis.GetDatabase().HashLengthAsync(RedisKeys.PendingReactions(app, chat)) == 0),
            "every reaction persisted and released");
        var fromMySql = await CountsAsync(clients[1]);
        Assert.That(fromMySql, Is.EqualTo(onA), "MySQL converged to the same counts the hosts served while pending");
        var thumbs = await Database.ScalarAsync<long>("""
            SELECT COUNT(*) FROM message_reactions r JOIN chats c ON c.id = r.chat_id WHERE c.application_id = @a AND r.reaction = '👍' AND r.removed_at IS NULL
            """, ("@a", app));
        Assert.That(thumbs, Is.EqualTo(onA.GetValueOrDefault("👍")));

        // One more toggle per user, sequential: the result is exactly known.
        foreach (var user in users)
            await (await clients[1].SendAsAsync(null, HttpMethod.Put, Reactions(token, chat, 1, "👍", user))).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That((await CountsAsync(clients[0]))["👍"], Is.EqualTo(users.Count));
    }

    [Test]
    public async Task APageOfPersistedMessagesShowsOnlyItsOwnReactionsWhenItsNumbersAreReadAsARange()
    {
        var (token, secret) = await HostA.CreateClient().CreateApplicationWithSecretAsync("user_tokens");
        var client = HostA.CreateClient();
        var chat = (await (await client.SendAsAsync(secret, HttpMethod.Post, $"/applications/{token}/chats", new { members = new[] { "alice", "bob" } }))
            .ShouldBeAsync(HttpStatusCode.Created)).GetProperty("number").GetInt32();
        var (alice, bob) = (UserTokens.For(secret, "alice"), UserTokens.For(secret, "bob"));
        var messages = $"/applications/{token}/chats/{chat}/messages";
        foreach (var replyTo in new int?[] { null, null, null, 1, null, 1 })
            await (await client.SendAsAsync(alice, HttpMethod.Post, messages, new { body = "m", reply_to = replyTo })).ShouldBeAsync(HttpStatusCode.Created);
        foreach (var user in new[] { alice, bob })
            await (await client.SendAsAsync(user, HttpMethod.Put, Reactions(token, chat, 5, "👍"))).ShouldBeAsync(HttpStatusCode.OK);
        await (await client.SendAsAsync(bob, HttpMethod.Put, Reactions(token, chat, 6, "party"))).ShouldBeAsync(HttpStatusCode.OK);
        await using (await WorkerHost.StartAsync())
            Assert.That(await Eventually.HoldsAsync(async () => await Database.ScalarAsync<long>(
                "SELECT COUNT(*) FROM message_reactions r JOIN chats c ON c.id = r.chat_id JOIN applications a ON a.id = c.application_id WHERE a.token = @t",
                ("@t", token)) == 3), "persisted");

        // The replies to 1 are 4 and 6: their reactions are read for 4..6, which holds 5's too.
        var page = await (await client.SendAsAsync(alice, HttpMethod.Get, $"{messages}?reply_to=1")).ShouldBeAsync(HttpStatusCode.OK);
        var items = page.GetProperty("data").EnumerateArray().ToList();
        Assert.That(items.Select(m => m.GetProperty("number").GetInt32()), Is.EqualTo(new[] { 6, 4 }));
        Assert.That(items.Select(CountsOf), Is.EqualTo(new[] { new Dictionary<string, int> { ["party"] = 1 }, new Dictionary<string, int>() }));
        Assert.That(items.Select(m => m.GetProperty("own_reactions").GetArrayLength()), Is.EqualTo(new[] { 0, 0 }), "alice's 👍 is on 5, not on the page");
    }
}
