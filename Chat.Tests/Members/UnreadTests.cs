using System.Net;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Members;

/// <summary>Honest unread counts (API.md "Messages: replies, reactions, …, unread"; docs/decisions/0017).</summary>
public sealed class UnreadTests : TwoApiHosts
{
    [Test]
    public async Task OwnMessagesAreNeverUnreadAndSendingMovesTheSendersCursors()
    {
        var token = await HostA.CreateApplicationAsync();
        var (a, b) = (HostA.CreateClient(), HostB.CreateClient());
        var chat = await a.CreateChatAsync(token, new { members = new[] { "alice", "bob" } });
        for (var i = 1; i <= 3; i++) await a.PostMessageAsync(token, chat, $"m{i}", sender: "alice");

        async Task<(int Delivered, int Read, int Unread)> MemberAsync(HttpClient client, string user)
        {
            var member = await client.GetOkAsync($"/applications/{token}/chats/{chat}/members/{user}");
            return (member.GetProperty("delivered_up_to").GetInt32(), member.GetProperty("read_up_to").GetInt32(), member.GetProperty("unread_count").GetInt32());
        }

        Assert.That(await MemberAsync(b, "alice"), Is.EqualTo((3, 3, 0)), "own messages are delivered and read, on the other host at once");
        Assert.That(await MemberAsync(b, "bob"), Is.EqualTo((0, 0, 3)));
        var statuses = (await b.GetOkAsync($"/applications/{token}/chats/{chat}/messages")).GetProperty("data").EnumerateArray()
            .Select(m => m.GetProperty("status").GetString());
        Assert.That(statuses, Is.All.EqualTo("sent"), "a message's status still ignores its sender");

        await b.PostMessageAsync(token, chat, "from bob", sender: "bob");
        Assert.That(await MemberAsync(a, "bob"), Is.EqualTo((4, 4, 0)), "sending marks everything before it read, as every chat app does");
        Assert.That(await MemberAsync(a, "alice"), Is.EqualTo((3, 3, 1)));

        await using (await WorkerHost.StartAsync())
        {
            Assert.That(await WorkerHost.WaitForMessagesAsync(token, 4), Is.EqualTo(4));
            Assert.That(await Eventually.HoldsAsync(async () =>
                await Database.ScalarAsync<long>("SELECT COUNT(*) FROM chat_members WHERE user_id = 'alice' AND read_up_to = 3 AND delivered_up_to = 3") >= 1),
                "the sender's cursors are persisted with the message");
            Assert.That(await MemberAsync(b, "alice"), Is.EqualTo((3, 3, 1)), "the same once persisted");
            Assert.That(await MemberAsync(b, "bob"), Is.EqualTo((4, 4, 0)));
        }
    }

    [Test]
    public async Task UnreadIsExactAfterDeletionsByOthersPendingAndPersisted()
    {
        var token = await HostA.CreateApplicationAsync();
        var (a, b) = (HostA.CreateClient(), HostB.CreateClient());
        var chat = await a.CreateChatAsync(token, new { members = new[] { "alice", "bob" } });
        for (var i = 1; i <= 6; i++) await a.PostMessageAsync(token, chat, $"m{i}", sender: "alice");
        await a.ReportAsync(token, chat, new { user = "bob", read_up_to = 2 });

        async Task<int> BobsUnreadAsync(HttpClient client) =>
            (await client.GetOkAsync($"/applications/{token}/chats/{chat}/members/bob")).GetProperty("unread_count").GetInt32();

        Assert.That(await BobsUnreadAsync(b), Is.EqualTo(4));
        using (var deleted = await a.DeleteAsync($"/applications/{token}/chats/{chat}/messages/5")) Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        using (var deleted = await b.DeleteAsync($"/applications/{token}/chats/{chat}/messages/1")) Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        Assert.That(await BobsUnreadAsync(b), Is.EqualTo(3), "a deleted unread message no longer counts; one already read changes nothing");

        await using (await WorkerHost.StartAsync())
        {
            Assert.That(await WorkerHost.WaitForMessagesAsync(token, 4), Is.EqualTo(4));
            Assert.That(await BobsUnreadAsync(a), Is.EqualTo(3), "the same from MySQL");
            // Deleted while persisted, and messages sent after it: pending changes over persisted rows.
            using (var deleted = await a.DeleteAsync($"/applications/{token}/chats/{chat}/messages/6")) Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
            await b.PostMessageAsync(token, chat, "m7", sender: "alice");
            await a.PostMessageAsync(token, chat, "m8", sender: "alice");
            Assert.That(await BobsUnreadAsync(b), Is.EqualTo(4), "3, 4, 7 and 8");
            Assert.That(await Eventually.HoldsAsync(async () => await RecountAsync(token, chat, "bob") == 4), "persisted");
            Assert.That(await BobsUnreadAsync(a), Is.EqualTo(4), "the served count equals a recount from MySQL");
        }
    }

    [Test]
    public async Task UnreadStaysExactAcrossBlocksOfNumbers()
    {
        var token = await HostA.CreateApplicationAsync();
        var (a, b) = (HostA.CreateClient(), HostB.CreateClient());
        var chat = await a.CreateChatAsync(token, new { members = new[] { "alice", "bob" } });
        await using var worker = await WorkerHost.StartAsync();
        // 300 messages span two blocks of 256 numbers: the count is a block sum plus a range within a block.
        await Task.WhenAll(Enumerable.Range(0, 6).Select(async t =>
        {
            var client = t % 2 == 0 ? a : b;
            for (var i = 0; i < 50; i++) await client.PostMessageAsync(token, chat, $"m{t}-{i}", sender: "alice");
        }));
        Assert.That(await WorkerHost.WaitForMessagesAsync(token, 300), Is.EqualTo(300));
        foreach (var n in new[] { 10, 255, 256, 257, 290 })
        {
            using var deleted = await a.DeleteAsync($"/applications/{token}/chats/{chat}/messages/{n}");
            Assert.That(deleted.StatusCode, Is.EqualTo(HttpStatusCode.NoContent));
        }
        Assert.That(await WorkerHost.WaitForMessagesAsync(token, 295), Is.EqualTo(295));
        foreach (var cursor in new[] { 0, 100, 255, 256, 280, 300 })
        {
            await a.ReportAsync(token, chat, new { user = "bob", read_up_to = cursor });
            var expected = Enumerable.Range(cursor + 1, Math.Max(0, 300 - cursor)).Count(n => n is not (10 or 255 or 256 or 257 or 290));
            var served = (await b.GetOkAsync($"/applications/{token}/chats/{chat}/members/bob")).GetProperty("unread_count").GetInt32();
            Assert.That(served, Is.EqualTo(expected), $"read up to {cursor}");
            Assert.That(await Eventually.HoldsAsync(async () => await RecountAsync(token, chat, "bob") == expected), $"recount, read up to {cursor}");
        }
    }

    [Test]
    public async Task TotalsOverAUsersChatsAndOnlyForTheirOwnUser()
    {
        var (token, secret) = await HostA.CreateClient().CreateApplicationWithSecretAsync("user_tokens");
        var (a, b) = (HostA.CreateClient(), HostB.CreateClient());
        async Task<int> ChatAsync(params string[] members) =>
            (await (await a.SendAsAsync(secret, HttpMethod.Post, $"/applications/{token}/chats", new { members })).ShouldBeAsync(HttpStatusCode.Created))
            .GetProperty("number").GetInt32();
        async Task SendAsync(int chat, string sender, int count)
        {
            for (var i = 0; i < count; i++)
                await (await b.SendAsAsync(secret, HttpMethod.Post, $"/applications/{token}/chats/{chat}/messages", new { body = "hi", sender }))
                    .ShouldBeAsync(HttpStatusCode.Created);
        }
        var (one, two, three, other) = (await ChatAsync("bob", "alice"), await ChatAsync("bob", "carol"), await ChatAsync("bob", "alice", "carol"),
            await ChatAsync("alice", "carol"));
        await SendAsync(one, "alice", 2);
        await SendAsync(two, "carol", 3);
        await SendAsync(three, "bob", 4); // bob's own: never unread for bob
        await SendAsync(three, "carol", 1);
        await SendAsync(other, "alice", 5); // not bob's chat

        var bob = UserTokens.For(secret, "bob");
        var totals = await (await a.SendAsAsync(bob, HttpMethod.Get, $"/applications/{token}/users/bob/unread")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That((totals.GetProperty("total_unread").GetInt64(), totals.GetProperty("chats_with_unread").GetInt32()), Is.EqualTo((6L, 3)));

        await (await a.SendAsAsync(secret, HttpMethod.Post, $"/applications/{token}/chats/{two}/receipts", new { user = "bob", read_up_to = 3 }))
            .ShouldBeAsync(HttpStatusCode.OK);
        var after = await (await b.SendAsAsync(secret, HttpMethod.Get, $"/applications/{token}/users/bob/unread")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That((after.GetProperty("total_unread").GetInt64(), after.GetProperty("chats_with_unread").GetInt32()), Is.EqualTo((3L, 2)),
            "the server role may ask for any user");

        await (await a.SendAsAsync(bob, HttpMethod.Get, $"/applications/{token}/users/alice/unread")).ShouldBeProblemAsync(HttpStatusCode.Forbidden);
        await (await a.SendAsAsync(null, HttpMethod.Get, $"/applications/{token}/users/bob/unread")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        var nobody = await (await a.SendAsAsync(secret, HttpMethod.Get, $"/applications/{token}/users/nobody/unread")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(nobody.GetProperty("total_unread").GetInt64(), Is.Zero);
    }

    /// <summary>What the chaos verdict compares with: live messages by others after the member's persisted read cursor.</summary>
    private static Task<long> RecountAsync(string token, int chat, string user) => Database.ScalarAsync<long>("""
        SELECT COUNT(*) FROM messages m JOIN chats c ON c.id = m.chat_id JOIN applications a ON a.id = c.application_id
        JOIN chat_members cm ON cm.chat_id = c.id AND cm.user_id = @user
        WHERE a.token = @token AND c.number = @chat AND m.deleted_at IS NULL AND m.number > cm.read_up_to AND NOT (m.sender <=> @user)
        """, ("@token", token), ("@chat", chat), ("@user", user));
}
