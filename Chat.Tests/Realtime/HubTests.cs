using System.Net;
using System.Net.Http.Json;
using Chat.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using HubException = Microsoft.AspNetCore.SignalR.HubException;

namespace Chat.Tests.Realtime;

/// <summary>
/// The SignalR hub across two API hosts sharing Redis (the backplane). Clients use long polling through the
/// TestServer handler, which has no WebSockets; the events are the same over WebSockets through nginx.
/// </summary>
public sealed class HubTests : TwoApiHosts
{
    [Test]
    public async Task AClientOnHostAGetsAMessagePostedThroughHostBAndNothingFromChatsItDidNotJoin()
    {
        var (token, other) = (await HostA.CreateApplicationAsync(), await HostA.CreateApplicationAsync());
        var b = HostB.CreateClient();
        var joinedChat = await b.CreateChatAsync(token, new { });
        var otherChat = await b.CreateChatAsync(token, new { });
        var sameNumberElsewhere = await b.CreateChatAsync(other, new { });
        Assert.That(sameNumberElsewhere, Is.EqualTo(joinedChat));
        await b.PostMessageAsync(token, joinedChat, "before joining");

        await using var client = await HubClient.ConnectAsync(HostA);
        var joined = await client.JoinAsync(token, joinedChat);
        Assert.That(joined.GetProperty("last_message").GetInt32(), Is.EqualTo(1), "where to catch up from");

        await b.PostMessageAsync(token, otherChat, "another chat");
        await b.PostMessageAsync(other, sameNumberElsewhere, "another application");
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var number = await b.PostMessageAsync(token, joinedChat, "hello", sender: "bob");
        var answered = clock.Elapsed;
        var first = await client.NextAsync(HubClient.Soon);
        Assert.That(first, Is.Not.Null, "an event soon after the 201");
        TestContext.Out.WriteLine($"201 after {answered.TotalMilliseconds:0} ms, event on the other host after {clock.Elapsed.TotalMilliseconds:0} ms");
        Assert.That(first!.Value.Name, Is.EqualTo("messageCreated"));
        var created = first.Value.Payload;
        Assert.That((created.GetProperty("chat").GetInt32(), created.GetProperty("number").GetInt32()), Is.EqualTo((joinedChat, number)));
        var message = created.GetProperty("message");
        Assert.That((message.GetProperty("body").GetString(), message.GetProperty("sender").GetString(), message.GetProperty("status").GetString()),
            Is.EqualTo(("hello", "bob", "sent")));
        created.ShouldHaveNoIds();
        Assert.That(await client.DrainAsync(TimeSpan.FromMilliseconds(700)), Is.Empty, "nothing from chats it did not join");
    }

    [Test]
    public async Task JoiningWithAWrongTokenChatOrUserFailsAndDeliversNothing()
    {
        var token = await HostA.CreateApplicationAsync();
        var client = HostA.CreateClient();
        var chat = await client.CreateChatAsync(token, new { members = new[] { "alice" } });
        await using var hub = await HubClient.ConnectAsync(HostB);

        var unknownToken = new string('A', token.Length);
        Assert.ThrowsAsync<HubException>(() => hub.JoinAsync(unknownToken, chat));
        Assert.ThrowsAsync<HubException>(() => hub.JoinAsync(token, chat + 1));
        var notMember = Assert.ThrowsAsync<HubException>(() => hub.JoinAsync(token, chat, "mallory"));
        Assert.That(notMember!.Message, Does.Contain("not a member"));
        Assert.ThrowsAsync<HubException>(() => hub.Connection.InvokeAsync("Typing", token, chat), "typing needs a member join");

        await client.PostMessageAsync(token, chat, "unseen");
        Assert.That(await hub.DrainAsync(TimeSpan.FromMilliseconds(700)), Is.Empty);
    }

    [Test]
    public async Task EditsDeletionsAndReceiptsArriveAsEventsWithTheirNumbers()
    {
        var token = await HostA.CreateApplicationAsync();
        var b = HostB.CreateClient();
        var chat = await b.CreateChatAsync(token, new { members = new[] { "alice", "bob" } });
        await using var alice = await HubClient.ConnectAsync(HostA);
        await alice.JoinAsync(token, chat, "alice");

        var number = await b.PostMessageAsync(token, chat, "draft", sender: "bob");
        Assert.That((await alice.ExpectAsync("messageCreated", HubClient.Soon)).GetProperty("number").GetInt32(), Is.EqualTo(number));

        await (await b.PatchAsJsonAsync($"/applications/{token}/chats/{chat}/messages/{number}", new { body = "final" })).ShouldBeAsync(HttpStatusCode.OK);
        var updated = await alice.ExpectAsync("messageUpdated", HubClient.Soon);
        Assert.That((updated.GetProperty("number").GetInt32(), updated.GetProperty("message").GetProperty("body").GetString()), Is.EqualTo((number, "final")));

        await b.ReportAsync(token, chat, new { user = "alice", read_up_to = number });
        var receipt = await alice.ExpectAsync("receiptUpdated", HubClient.Soon);
        Assert.That((receipt.GetProperty("chat").GetInt32(), receipt.GetProperty("user").GetString(),
            receipt.GetProperty("delivered_up_to").GetInt32(), receipt.GetProperty("read_up_to").GetInt32()), Is.EqualTo((chat, "alice", number, number)));
        await b.ReportAsync(token, chat, new { user = "alice", read_up_to = number });
        // Only alice's receipts: on a Redis Cluster the backplane's publishes may travel through different nodes, so an
        // earlier event (bob's cursors moving past his own message) can arrive this late.
        Assert.That((await alice.DrainAsync(TimeSpan.FromMilliseconds(500))).Where(e => e.Payload.TryGetProperty("user", out var user) && user.GetString() == "alice"),
            Is.Empty, "a report that moves nothing is no event");

        await (await b.DeleteAsync($"/applications/{token}/chats/{chat}/messages/{number}")).ShouldBeAsync(HttpStatusCode.NoContent);
        var deleted = await alice.ExpectAsync("messageDeleted", HubClient.Soon);
        Assert.That((deleted.GetProperty("chat").GetInt32(), deleted.GetProperty("number").GetInt32()), Is.EqualTo((chat, number)));
    }

    [Test]
    public async Task OfEditsRacingForOneMessageOnlyThoseStoredAreAnnouncedEachWithItsOwnFeedPosition()
    {
        var token = await HostA.CreateApplicationAsync();
        var (a, b) = (HostA.CreateClient(), HostB.CreateClient());
        var chat = await a.CreateChatAsync(token, new { });
        var number = await a.PostMessageAsync(token, chat, "draft");
        await using var watcher = await HubClient.ConnectAsync(HostA);
        await watcher.JoinAsync(token, chat);

        // Edits read the message and are based on it: when another edit got in first, the later one is dropped
        // (last writer wins) and must not be announced as if it had been stored.
        var edits = Enumerable.Range(1, 24).Select(async i =>
        {
            using var response = await (i % 2 == 0 ? a : b).PatchAsJsonAsync($"/applications/{token}/chats/{chat}/messages/{number}", new { body = $"edit {i}" });
            await response.ShouldBeAsync(HttpStatusCode.OK);
        });
        await Task.WhenAll(edits);

        var updates = (await watcher.DrainAsync(TimeSpan.FromSeconds(1))).Where(e => e.Name == "messageUpdated")
            .Select(e => (Seq: e.Payload.GetProperty("seq").GetInt64(), Body: e.Payload.GetProperty("message").GetProperty("body").GetString()))
            .ToList();
        var feed = (await a.GetOkAsync($"/applications/{token}/events?after=0&limit=200")).GetProperty("data").EnumerateArray()
            .Where(c => c.GetProperty("type").GetString() == "message.updated").Select(c => c.GetProperty("seq").GetInt64()).ToList();
        TestContext.Out.WriteLine($"24 racing edits: {feed.Count} stored, {updates.Count} announced");
        Assert.That(updates.Select(u => u.Seq).Order(), Is.EqualTo(feed.Order()), "one event per stored edit, at its feed position");
        var current = (await a.GetOkAsync($"/applications/{token}/chats/{chat}/messages/{number}")).GetProperty("body").GetString();
        Assert.That(updates.MaxBy(u => u.Seq).Body, Is.EqualTo(current), "the last event announces the body that won");
    }

    [Test]
    public async Task TypingReachesTheOtherMembersOnlyAndIsRateLimitedPerConnection()
    {
        var token = await HostA.CreateApplicationAsync();
        var chat = await HostA.CreateClient().CreateChatAsync(token, new { members = new[] { "alice", "bob" } });
        await using var alice = await HubClient.ConnectAsync(HostA);
        await using var bob = await HubClient.ConnectAsync(HostB);
        await alice.JoinAsync(token, chat, "alice");
        await bob.JoinAsync(token, chat, "bob");

        for (var i = 0; i < 10; i++) await alice.Connection.InvokeAsync("Typing", token, chat);

        var seen = await bob.DrainAsync(TimeSpan.FromMilliseconds(700));
        Assert.That(seen.Select(e => e.Name), Has.All.EqualTo("typing"));
        Assert.That(seen.Select(e => (e.Payload.GetProperty("chat").GetInt32(), e.Payload.GetProperty("user").GetString())), Has.All.EqualTo((chat, "alice")));
        // 3 per second by default; a burst that straddles a window boundary may get twice that, never all 10.
        Assert.That(seen, Has.Count.InRange(1, 6));
        Assert.That(await alice.DrainAsync(TimeSpan.FromMilliseconds(100)), Is.Empty, "not echoed to the sender");
    }
}
