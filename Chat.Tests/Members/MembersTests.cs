using Chat.Contracts;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Api.Chats;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Members;

/// <summary>Members go through the queue like chats and messages, and are readable at once on every host.</summary>
public sealed class MembersTests : TwoApiHosts
{
    [Test]
    public async Task MembersGivenAtCreationAreReadableOnEveryHostAtOnceAndPersistedWithTheChat()
    {
        var token = await HostA.CreateApplicationAsync();
        var (a, b) = (HostA.CreateClient(), HostB.CreateClient());
        using var created = await a.PostAsJsonAsync($"/applications/{token}/chats",
            new { name = "team", members = new[] { "carol", "alice", "bob", "alice" } });
        var chat = await created.ShouldBeAsync(HttpStatusCode.Created);
        var number = chat.GetProperty("number").GetInt32();
        string[] everyone = ["alice", "bob", "carol"];
        Assert.That(chat.GetProperty("members").Strings(), Is.EqualTo(everyone), "ordered, duplicates once");

        var pair = await b.CreateChatAsync(token, new { members = new[] { "bob", "dave" } });
        await a.PostMessageAsync(token, number, "one");
        await b.PostMessageAsync(token, number, "two");
        await a.PostMessageAsync(token, pair, "three");

        async Task AssertReadableAsync(HttpClient client)
        {
            Assert.That((await client.GetOkAsync($"/applications/{token}/chats/{number}")).GetProperty("members").Strings(), Is.EqualTo(everyone));
            var members = await client.GetOkAsync($"/applications/{token}/chats/{number}/members");
            Assert.That(members.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("user").GetString()), Is.EqualTo(everyone));
            members.ShouldHaveNoIds();
            var bobs = await client.GetOkAsync($"/applications/{token}/users/bob/chats");
            Assert.That(bobs.GetProperty("data").EnumerateArray().Select(c => (c.GetProperty("number").GetInt32(), c.GetProperty("unread_count").GetInt32())),
                Is.EqualTo(new[] { (number, 2), (pair, 1) }));
            var list = (await client.GetOkAsync($"/applications/{token}/chats")).GetProperty("data");
            Assert.That(list.EnumerateArray().Select(c => string.Join(",", c.GetProperty("members").Strings())),
                Is.EqualTo(new[] { "alice,bob,carol", "bob,dave" }));
        }
        await AssertReadableAsync(b); // before any worker ran

        var redis = await MemberRows.RedisAsync();
        var pendingMembers = RedisKeys.PendingMembers(await MemberRows.ApplicationIdAsync(token), number);
        Assert.That(await redis.HashLengthAsync(pendingMembers), Is.GreaterThan(0), "pending before any worker ran");
        await using (await WorkerHost.StartAsync())
        {
            Assert.That(await Eventually.HoldsAsync(async () => (await MemberRows.OfAsync(token)).Count == 5), "persisted");
            // Released after the commit, before the ack; a worker stopped in between leaves them for the redelivery.
            Assert.That(await Eventually.HoldsAsync(async () => await redis.HashLengthAsync(pendingMembers) == 0),
                "pending states released after the commit");
        }
        Assert.That(await MemberRows.OfAsync(token), Is.EqualTo(everyone.Select(u => new MemberRows.Row(number, u, 0, 0, false))
            .Concat([new MemberRows.Row(pair, "bob", 0, 0, false), new MemberRows.Row(pair, "dave", 0, 0, false)])));
        await AssertReadableAsync(a); // now from MySQL

        var plain = await a.CreateChatAsync(token, new { name = "no members" });
        Assert.That((await a.GetOkAsync($"/applications/{token}/chats/{plain}")).TryGetProperty("members", out _), Is.False,
            "a chat without members has no members field");
    }

    [Test]
    public async Task AddedAndRemovedMembersAreVisibleAtOnceAndARemovedUserCanComeBack()
    {
        var token = await HostA.CreateApplicationAsync();
        var (a, b) = (HostA.CreateClient(), HostB.CreateClient());
        var chat = await a.CreateChatAsync(token, new { members = new[] { "alice" } });

        using (var added = await a.PostAsJsonAsync($"/applications/{token}/chats/{chat}/members", new { users = new[] { "carol", "bob" } }))
            Assert.That((await added.ShouldBeAsync(HttpStatusCode.OK)).GetProperty("data").EnumerateArray()
                .Select(m => m.GetProperty("user").GetString()), Is.EqualTo(new[] { "bob", "carol" }));
        await (await b.DeleteAsync($"/applications/{token}/chats/{chat}/members/alice")).ShouldBeAsync(HttpStatusCode.NoContent);

        async Task<List<string>> MembersAsync(HttpClient client) => (await client.GetOkAsync($"/applications/{token}/chats/{chat}/members"))
            .GetProperty("data").EnumerateArray().Select(m => m.GetProperty("user").GetString()!).ToList();
        async Task<int> ChatsOfAsync(HttpClient client, string user) =>
            (await client.GetOkAsync($"/applications/{token}/users/{user}/chats")).GetProperty("data").GetArrayLength();

        Assert.That(await MembersAsync(a), Is.EqualTo(new[] { "bob", "carol" }));
        Assert.That(await ChatsOfAsync(a, "alice"), Is.Zero);
        Assert.That(await ChatsOfAsync(a, "bob"), Is.EqualTo(1));
        await (await a.GetAsync($"/applications/{token}/chats/{chat}/members/alice")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await a.DeleteAsync($"/applications/{token}/chats/{chat}/members/alice")).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        await (await b.PostAsJsonAsync($"/applications/{token}/chats/{chat}/members", new { users = new[] { "alice", "bob" } }))
            .ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(await MembersAsync(a), Is.EqualTo(new[] { "alice", "bob", "carol" }), "alice is back; bob stays as he was");

        await using (await WorkerHost.StartAsync())
            Assert.That(await Eventually.HoldsAsync(async () => (await MemberRows.OfAsync(token)).Count(r => !r.Left) == 3), "persisted");
        Assert.That((await MemberRows.OfAsync(token)).Select(r => (r.User, r.Left)),
            Is.EqualTo(new[] { ("alice", false), ("bob", false), ("carol", false) }), "the latest membership state wins, in any order");
        Assert.That(await MembersAsync(b), Is.EqualTo(new[] { "alice", "bob", "carol" }));
    }

    [Test]
    public async Task BadMemberRequestsAreRejected()
    {
        var token = await HostA.CreateApplicationAsync();
        var client = HostA.CreateClient();
        var chat = await client.CreateChatAsync(token, new { members = new[] { "alice" } });
        var tooLong = new string('x', 65);

        foreach (var body in new object[]
                 {
                     new { members = new[] { "" } }, new { members = new[] { tooLong } }, new { members = new string?[] { null } },
                     new { distinct = true }, new { distinct = true, members = Array.Empty<string>() },
                     new { members = Enumerable.Range(0, 101).Select(i => $"u{i}").ToArray() },
                 })
            await (await client.PostAsJsonAsync($"/applications/{token}/chats", body)).ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);
        foreach (var body in new object[] { new { }, new { users = Array.Empty<string>() }, new { users = new[] { " " } } })
            await (await client.PostAsJsonAsync($"/applications/{token}/chats/{chat}/members", body))
                .ShouldBeProblemAsync(HttpStatusCode.UnprocessableEntity);

        await (await client.PostAsJsonAsync($"/applications/{token}/chats/99/members", new { users = new[] { "bob" } }))
            .ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync($"/applications/{token}/chats/99/members")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await client.GetAsync($"/applications/{token}/users/{tooLong}/chats")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await client.DeleteAsync($"/applications/{token}/chats/{chat}/members/nobody")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        var other = await HostA.CreateApplicationAsync();
        await (await client.GetAsync($"/applications/{other}/chats/{chat}/members")).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        var distinct = await client.CreateChatAsync(token, new { distinct = true, members = new[] { "alice", "bob" } });
        await (await client.PostAsJsonAsync($"/applications/{token}/chats/{distinct}/members", new { users = new[] { "carol" } }))
            .ShouldBeProblemAsync(HttpStatusCode.Conflict);
        await (await client.DeleteAsync($"/applications/{token}/chats/{distinct}/members/bob")).ShouldBeProblemAsync(HttpStatusCode.Conflict);
        Assert.That((await client.GetOkAsync($"/applications/{token}/chats/{chat}/members")).GetProperty("data").GetArrayLength(), Is.EqualTo(1),
            "nothing changed");
    }

    [Test]
    public async Task DistinctChatIsOneChatPerMemberSetUnderConcurrentRequestsOnTwoHosts()
    {
        var token = await HostA.CreateApplicationAsync();
        var clients = new[] { HostA.CreateClient(), HostB.CreateClient() };

        async Task<(HttpStatusCode Status, int Number)> GetOrCreateAsync(HttpClient client, params string[] members)
        {
            using var response = await client.PostAsJsonAsync($"/applications/{token}/chats", new { distinct = true, members });
            var body = await response.Content.ReadFromJsonAsync<JsonElement>();
            Assert.That(response.StatusCode, Is.AnyOf(HttpStatusCode.Created, HttpStatusCode.OK), body.ToString());
            return (response.StatusCode, body.GetProperty("number").GetInt32());
        }

        var answers = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            GetOrCreateAsync(clients[i % 2], i % 3 == 0 ? ["bob", "alice"] : ["alice", "bob", "alice"])));
        Assert.That(answers.Select(r => r.Number).Distinct().Count(), Is.EqualTo(1), "one chat for one member set");
        Assert.That(answers.Count(r => r.Status == HttpStatusCode.Created), Is.EqualTo(1), "created once, found 19 times");
        var pair = answers[0].Number;

        var (status, trio) = await GetOrCreateAsync(clients[1], "alice", "bob", "carol");
        Assert.That((status, trio), Is.EqualTo((HttpStatusCode.Created, pair + 1)), "another set, another chat; no number was burned");
        Assert.That(await GetOrCreateAsync(clients[0], "alice", "bob"), Is.EqualTo((HttpStatusCode.OK, pair)));

        await using (await WorkerHost.StartAsync())
            await WorkerHost.WaitForChatsAsync(token, 2);
        Assert.That(await Database.ScalarAsync<long>(
            "SELECT COUNT(DISTINCT c.distinct_key) FROM chats c JOIN applications a ON a.id = c.application_id WHERE a.token = @token",
            ("@token", token)), Is.EqualTo(2));

        // Redis forgot the mapping (expiry, data loss): the persisted distinct_key finds the chat again.
        var redis = await MemberRows.RedisAsync();
        var app = await MemberRows.ApplicationIdAsync(token);
        Assert.That(await redis.KeyDeleteAsync($"{{a:{app}}}:distinct:{DistinctChats.KeyOf(["alice", "bob"])}"), Is.True);
        Assert.That(await GetOrCreateAsync(clients[1], "bob", "alice"), Is.EqualTo((HttpStatusCode.OK, pair)));

        await (await clients[0].DeleteAsync($"/applications/{token}/chats/{pair}")).ShouldBeAsync(HttpStatusCode.NoContent);
        var (again, replacement) = await GetOrCreateAsync(clients[1], "alice", "bob");
        Assert.That((again, replacement), Is.EqualTo((HttpStatusCode.Created, trio + 1)), "a deleted distinct chat is replaced by a new one");
    }
}
