using Chat.Api.Shared;
using Chat.Contracts;
using Chat.Domain.Pipeline;
using System.Net;
using System.Net.Http.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Members;

/// <summary>Receipts are per-member cursors; a message's status and unread counts follow from them.</summary>
public sealed class ReceiptsTests : TwoApiHosts
{
    [Test]
    public async Task AMessageGoesSentDeliveredReadExactlyWhenBothOtherMembersCursorsPassIt()
    {
        var token = await HostA.CreateApplicationAsync();
        var (a, b) = (HostA.CreateClient(), HostB.CreateClient());
        var chat = await a.CreateChatAsync(token, new { members = new[] { "alice", "bob", "carol" } });
        for (var i = 1; i <= 3; i++) await a.PostMessageAsync(token, chat, $"m{i}", sender: "alice");

        // Read through the other host: single messages and the history page must agree.
        async Task<string[]> StatusesAsync()
        {
            var single = new List<string>();
            for (var n = 1; n <= 3; n++)
                single.Add((await b.GetOkAsync($"/applications/{token}/chats/{chat}/messages/{n}")).GetProperty("status").GetString()!);
            var page = (await b.GetOkAsync($"/applications/{token}/chats/{chat}/messages?after=0")).GetProperty("data")
                .EnumerateArray().Select(m => m.GetProperty("status").GetString()!).ToList();
            Assert.That(page, Is.EqualTo(single), "list and single reads agree");
            return single.ToArray();
        }
        async Task ReportAsync(string user, int? delivered = null, int? read = null) =>
            await a.ReportAsync(token, chat, new { user, delivered_up_to = delivered, read_up_to = read });

        Assert.That(await StatusesAsync(), Is.EqualTo(new[] { "sent", "sent", "sent" }));
        await ReportAsync("bob", delivered: 3);
        Assert.That(await StatusesAsync(), Is.EqualTo(new[] { "sent", "sent", "sent" }), "carol has nothing yet");
        await ReportAsync("carol", delivered: 2);
        Assert.That(await StatusesAsync(), Is.EqualTo(new[] { "delivered", "delivered", "sent" }));
        await ReportAsync("alice", read: 3);
        Assert.That(await StatusesAsync(), Is.EqualTo(new[] { "delivered", "delivered", "sent" }), "the sender's own cursors do not count");
        await ReportAsync("bob", read: 2);
        await ReportAsync("carol", read: 1);
        Assert.That(await StatusesAsync(), Is.EqualTo(new[] { "read", "delivered", "sent" }));

        var detail = await b.GetOkAsync($"/applications/{token}/chats/{chat}/messages/2/receipts");
        Assert.That(detail.GetProperty("status").GetString(), Is.EqualTo("delivered"));
        Assert.That(detail.GetProperty("recipients").EnumerateArray().Select(r => (r.GetProperty("user").GetString(), r.GetProperty("status").GetString())),
            Is.EqualTo(new[] { ("bob", "read"), ("carol", "delivered") }), "every member but the sender");

        await ReportAsync("carol", read: 3); // read implies delivered
        Assert.That(await StatusesAsync(), Is.EqualTo(new[] { "read", "read", "delivered" }));
        await ReportAsync("bob", read: 3);
        Assert.That(await StatusesAsync(), Is.EqualTo(new[] { "read", "read", "read" }));

        var fromCarol = await b.PostMessageAsync(token, chat, "m4", sender: "carol");
        var theirs = await a.GetOkAsync($"/applications/{token}/chats/{chat}/messages/{fromCarol}/receipts");
        Assert.That(theirs.GetProperty("recipients").EnumerateArray().Select(r => r.GetProperty("user").GetString()), Is.EqualTo(new[] { "alice", "bob" }));
        Assert.That(theirs.GetProperty("status").GetString(), Is.EqualTo("sent"));
    }

    [Test]
    public async Task UnreadCountsAreExactAndCursorsNeverMoveBackward()
    {
        var token = await HostA.CreateApplicationAsync();
        var (a, b) = (HostA.CreateClient(), HostB.CreateClient());
        var chat = await a.CreateChatAsync(token, new { members = new[] { "alice", "bob" } });
        for (var i = 1; i <= 5; i++) await a.PostMessageAsync(token, chat, $"m{i}", sender: "alice");

        async Task<(int Delivered, int Read, int Unread)> BobAsync(HttpClient client)
        {
            var bob = await client.GetOkAsync($"/applications/{token}/chats/{chat}/members/bob");
            return (bob.GetProperty("delivered_up_to").GetInt32(), bob.GetProperty("read_up_to").GetInt32(), bob.GetProperty("unread_count").GetInt32());
        }

        Assert.That(await BobAsync(b), Is.EqualTo((0, 0, 5)));
        var reported = await a.ReportAsync(token, chat, new { user = "bob", read_up_to = 3 });
        Assert.That((reported.GetProperty("delivered_up_to").GetInt32(), reported.GetProperty("read_up_to").GetInt32(),
            reported.GetProperty("unread_count").GetInt32()), Is.EqualTo((3, 3, 2)), "read implies delivered");
        Assert.That(await BobAsync(b), Is.EqualTo((3, 3, 2)), "visible at once on the other host");

        await b.ReportAsync(token, chat, new { user = "bob", delivered_up_to = 2, read_up_to = 1 });
        Assert.That(await BobAsync(a), Is.EqualTo((3, 3, 2)), "a cursor never moves backward");
        await b.ReportAsync(token, chat, new { user = "bob", delivered_up_to = 5 });
        Assert.That(await BobAsync(a), Is.EqualTo((5, 3, 2)));

        foreach (var bad in new object[]
                 {
                     new { user = "bob", read_up_to = 6 }, new { user = "bob", delivered_up_to = 6 }, new { user = "bob" },
                     new { user = "bob", read_up_to = -1 }, new { user = "dave", read_up_to = 1 }, new { read_up_to = 1 },
                 })
            await (await a.PostAsJsonAsync($"/applications/{token}/chats/{chat}/receipts", bad)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        await (await a.PostAsJsonAsync($"/applications/{token}/chats/99/receipts", new { user = "bob", read_up_to = 1 }))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound);

        var members = (await a.GetOkAsync($"/applications/{token}/chats/{chat}/members")).GetProperty("data").EnumerateArray()
            .Select(m => (m.GetProperty("user").GetString(), m.GetProperty("unread_count").GetInt32()));
        Assert.That(members, Is.EqualTo(new[] { ("alice", 0), ("bob", 2) }), "own messages are never unread");
        var bobsChats = await b.GetOkAsync($"/applications/{token}/users/bob/chats");
        Assert.That(bobsChats.GetProperty("data")[0].GetProperty("unread_count").GetInt32(), Is.EqualTo(2));

        await b.PostMessageAsync(token, chat, "m6", sender: "alice");
        Assert.That(await BobAsync(a), Is.EqualTo((5, 3, 3)));
    }

    [Test]
    public async Task TheGreatestReportedCursorIsPersistedAndOutlivesTheRedisCopy()
    {
        var token = await HostA.CreateApplicationAsync();
        var clients = new[] { HostA.CreateClient(), HostB.CreateClient() };
        var chat = await clients[0].CreateChatAsync(token, new { members = new[] { "alice", "bob" } });
        for (var i = 1; i <= 50; i++) await clients[i % 2].PostMessageAsync(token, chat, $"m{i}");

        // 100 reports in random order on two hosts, some racing each other: only the greatest may remain.
        var reports = Enumerable.Range(1, 50).SelectMany(n => new[] { ("bob", (int?)null, (int?)n), ("alice", (int?)n, (int?)null) })
            .OrderBy(_ => Random.Shared.Next()).ToList();
        await Task.WhenAll(reports.Select((r, i) =>
            clients[i % 2].ReportAsync(token, chat, new { user = r.Item1, delivered_up_to = r.Item2, read_up_to = r.Item3 })));

        var redis = await MemberRows.RedisAsync();
        var app = await MemberRows.ApplicationIdAsync(token);
        await using (await WorkerHost.StartAsync())
        {
            Assert.That(await Eventually.HoldsAsync(async () => (await MemberRows.OfAsync(token))
                .Select(m => (m.User, m.DeliveredUpTo, m.ReadUpTo)).SequenceEqual([("alice", 50, 0), ("bob", 50, 50)])), "persisted");
            // The worker lets the Redis copy go after the commit (and after announcing the batch's webhook events).
            Assert.That(await Eventually.HoldsAsync(async () => await redis.HashLengthAsync(RedisKeys.PendingMembers(app, chat)) == 0),
                "no Redis copy of the cursors is left");
        }
        await redis.KeyDeleteAsync([RedisKeys.MembersCache(app, chat), RedisKeys.ReleasedMembers(app, chat)]);
        var bob = await clients[1].GetOkAsync($"/applications/{token}/chats/{chat}/members/bob");
        Assert.That((bob.GetProperty("delivered_up_to").GetInt32(), bob.GetProperty("read_up_to").GetInt32()), Is.EqualTo((50, 50)),
            "read back from MySQL");
        Assert.That((await clients[0].GetOkAsync($"/applications/{token}/chats/{chat}/messages/50")).GetProperty("status").GetString(),
            Is.EqualTo("delivered"), "both have it, alice has not read it");
    }

    [Test]
    public void AReleasedCopyOutlivesEveryCachedRosterThatMayPredateIt()
    {
        // A roster copy may be loaded from MySQL just before a release and stored just after it; only the released copy
        // then has the released state, so it must live longer than the copy, with room for a slow load.
        Assert.That(PendingStore.ReleasedCopyLifetime, Is.GreaterThanOrEqualTo(Rosters.CacheTtl * 5));
    }

    [Test]
    public async Task APersistedReceiptIsReadAtOnceWhileTheCachedRosterAndChatRowStay()
    {
        var token = await HostA.CreateApplicationAsync();
        var client = HostA.CreateClient();
        var chat = await client.CreateChatAsync(token, new { members = new[] { "alice", "bob" } });
        await client.PostMessageAsync(token, chat, "m1", sender: "alice");
        var redis = await MemberRows.RedisAsync();
        var app = await MemberRows.ApplicationIdAsync(token);
        async Task<int> BobReadUpToAsync() =>
            (await client.GetOkAsync($"/applications/{token}/chats/{chat}/members/bob")).GetProperty("read_up_to").GetInt32();
        async Task<string?> ValueAsync(string key) => await redis.StringGetAsync(key);

        await using var worker = await WorkerHost.StartAsync();
        Assert.That(await Eventually.HoldsAsync(async () => await redis.HashLengthAsync(RedisKeys.PendingMembers(app, chat)) == 0
            && await redis.HashLengthAsync(RedisKeys.PendingMessages(app, chat)) == 0), "all persisted");
        Assert.That(await BobReadUpToAsync(), Is.Zero, "the roster is cached from MySQL now");
        var cachedRoster = await ValueAsync(RedisKeys.MembersCache(app, chat));
        var chatGeneration = await ValueAsync(RedisKeys.ChatGeneration(app, chat));
        Assert.That(cachedRoster, Is.Not.Null);

        await client.ReportAsync(token, chat, new { user = "bob", read_up_to = 1 });
        Assert.That(await Eventually.HoldsAsync(async () => await redis.HashLengthAsync(RedisKeys.PendingMembers(app, chat)) == 0),
            "the receipt is persisted and its pending copy released");
        Assert.That(await BobReadUpToAsync(), Is.EqualTo(1), "the released state is merged over the cached roster");
        Assert.That(await ValueAsync(RedisKeys.MembersCache(app, chat)), Is.EqualTo(cachedRoster),
            "the cached roster still counts: a sender's cursors move with every message, and it would never last otherwise");
        Assert.That(await ValueAsync(RedisKeys.ChatGeneration(app, chat)), Is.EqualTo(chatGeneration),
            "a receipt changes no chat row: the chat's cached row, read by every request into the chat, stays");
    }
}
