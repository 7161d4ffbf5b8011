using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Security;

/// <summary>
/// OWASP API3 (mass assignment): fields the server owns — numbers, counts, tokens, ids, uids and timestamps —
/// cannot be set by a client, whatever a POST, PATCH or PUT body carries.
/// </summary>
public sealed class MassAssignmentTests : OneApiHost
{
    private const string LongAgo = "2000-01-01T00:00:00Z";
    // Every byte 0x11, so it reads the same in any Guid byte order.
    private const string InjectedUid = "11111111-1111-1111-1111-111111111111";


    [Test]
    public async Task ApplicationTokenCountsAndTimestampsCannotBeSetOrChanged()
    {
        var victim = await Api.CreateApplicationAsync("victim");
        var started = DateTime.UtcNow.AddMinutes(-1);
        var created = await SendAsync(HttpMethod.Post, "/applications", new
        {
            name = "mine", token = victim, id = 1, chats_count = 99, created_at = LongAgo, updated_at = LongAgo, deleted_at = LongAgo, uid = InjectedUid,
        }, HttpStatusCode.Created);
        var token = created.GetProperty("token").GetString()!;
        Assert.That(token, Is.Not.EqualTo(victim));
        Assert.That(created.GetProperty("chats_count").GetInt32(), Is.Zero);
        Assert.That(created.GetProperty("created_at").GetDateTime(), Is.GreaterThan(started));
        Assert.That(created.GetProperty("updated_at").GetDateTime(), Is.GreaterThan(started));

        foreach (var method in new[] { HttpMethod.Patch, HttpMethod.Put })
        {
            var renamed = await SendAsync(method, $"/applications/{token}", new
            {
                name = $"renamed by {method}", token = victim, id = 1, chats_count = 5, created_at = LongAgo, updated_at = LongAgo, deleted_at = LongAgo,
            }, HttpStatusCode.OK);
            Assert.That(renamed.GetProperty("token").GetString(), Is.EqualTo(token));
            Assert.That(renamed.GetProperty("chats_count").GetInt32(), Is.Zero);
            Assert.That(renamed.GetProperty("created_at").GetDateTime(), Is.EqualTo(created.GetProperty("created_at").GetDateTime()));
            Assert.That(renamed.GetProperty("updated_at").GetDateTime(), Is.GreaterThan(started));
        }
        var fetched = await GetAsync($"/applications/{token}");
        Assert.That(fetched.GetProperty("name").GetString(), Is.EqualTo("renamed by PUT"));
        Assert.That(fetched.GetProperty("created_at").GetDateTime(), Is.EqualTo(created.GetProperty("created_at").GetDateTime()));
        Assert.That((await GetAsync($"/applications/{victim}")).GetProperty("name").GetString(), Is.EqualTo("victim"), "the other application is untouched");
        Assert.That(await Database.ScalarAsync<long>("SELECT COUNT(*) FROM applications WHERE token = @t AND deleted_at IS NULL AND chats_count = 0",
            ("@t", token)), Is.EqualTo(1));
    }

    [Test]
    public async Task ChatNumberCountsUidAndTimestampsCannotBeSetOrChanged()
    {
        var token = await Api.CreateApplicationAsync();
        var victim = await Api.CreateApplicationAsync("victim");
        var started = DateTime.UtcNow.AddMinutes(-1);
        var created = await SendAsync(HttpMethod.Post, $"/applications/{token}/chats", new
        {
            name = "chat", number = 42, messages_count = 7, id = 1, uid = InjectedUid, token = victim, application_id = 1,
            created_at = LongAgo, updated_at = LongAgo, deleted_at = LongAgo,
        }, HttpStatusCode.Created);
        Assert.That(created.GetProperty("number").GetInt32(), Is.EqualTo(1));
        Assert.That(created.GetProperty("messages_count").GetInt32(), Is.Zero);
        Assert.That(created.GetProperty("created_at").GetDateTime(), Is.GreaterThan(started));

        foreach (var method in new[] { HttpMethod.Patch, HttpMethod.Put })
        {
            var renamed = await SendAsync(method, $"/applications/{token}/chats/1", new
            {
                name = $"renamed by {method}", number = 5, messages_count = 9, uid = InjectedUid, token = victim, created_at = LongAgo,
                updated_at = LongAgo, deleted_at = LongAgo,
            }, HttpStatusCode.OK);
            Assert.That(renamed.GetProperty("number").GetInt32(), Is.EqualTo(1));
            Assert.That(renamed.GetProperty("messages_count").GetInt32(), Is.Zero);
            Assert.That(renamed.GetProperty("created_at").GetDateTime(), Is.EqualTo(created.GetProperty("created_at").GetDateTime()));
            Assert.That(renamed.GetProperty("updated_at").GetDateTime(), Is.GreaterThan(started));
        }
        foreach (var number in new[] { 5, 42 })
            await (await Client.GetAsync($"/applications/{token}/chats/{number}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        await (await Client.GetAsync($"/applications/{victim}/chats/1")).ShouldBeProblemAsync(HttpStatusCode.NotFound);

        await using (await WorkerHost.StartAsync())
            await WorkerHost.WaitForChatsAsync(token, 1);
        await Task.Delay(300); // the renames are newer states of the same row
        var chats = await Database.ChatsAsync(token);
        Assert.That(chats, Is.EqualTo(new Dictionary<int, bool> { [1] = false }), "one live chat, number 1");
        Assert.That(await Database.ScalarAsync<long>("SELECT COUNT(*) FROM chats WHERE HEX(uid) = @uid", ("@uid", InjectedUid.Replace("-", ""))),
            Is.Zero, "the uid is the server's");
        Assert.That(await Database.ScalarAsync<string>("""
            SELECT c.name FROM chats c JOIN applications a ON a.id = c.application_id WHERE a.token = @t AND c.number = 1
            AND c.created_at = @created AND c.messages_count = 0
            """, ("@t", token), ("@created", created.GetProperty("created_at").GetDateTime())), Is.EqualTo("renamed by PUT"));
    }

    [Test]
    public async Task MessageNumberStatusUidAndTimestampsCannotBeSetOrChanged()
    {
        var token = await Api.CreateApplicationAsync();
        await SendAsync(HttpMethod.Post, $"/applications/{token}/chats", new { }, HttpStatusCode.Created);
        await SendAsync(HttpMethod.Post, $"/applications/{token}/chats", new { }, HttpStatusCode.Created);
        var started = DateTime.UtcNow.AddMinutes(-1);
        var created = await SendAsync(HttpMethod.Post, $"/applications/{token}/chats/1/messages", new
        {
            body = "hello", number = 77, id = 1, uid = InjectedUid, status = "read", chat_number = 2, chat_id = 2, application_id = 1,
            created_at = LongAgo, updated_at = LongAgo, deleted_at = LongAgo,
        }, HttpStatusCode.Created);
        Assert.That(created.GetProperty("number").GetInt32(), Is.EqualTo(1));
        Assert.That(created.GetProperty("status").GetString(), Is.EqualTo("sent"));
        Assert.That(created.GetProperty("created_at").GetDateTime(), Is.GreaterThan(started));

        foreach (var method in new[] { HttpMethod.Patch, HttpMethod.Put })
        {
            var edited = await SendAsync(method, $"/applications/{token}/chats/1/messages/1", new
            {
                body = $"edited by {method}", number = 9, sender = "mallory", sent_at = LongAgo, uid = InjectedUid, status = "read",
                created_at = LongAgo, updated_at = LongAgo, deleted_at = LongAgo,
            }, HttpStatusCode.OK);
            Assert.That(edited.GetProperty("number").GetInt32(), Is.EqualTo(1));
            Assert.That(edited.GetProperty("sender").ValueKind, Is.EqualTo(JsonValueKind.Null), "the sender is fixed at creation");
            Assert.That(edited.GetProperty("sent_at").ValueKind, Is.EqualTo(JsonValueKind.Null));
            Assert.That(edited.GetProperty("created_at").GetDateTime(), Is.EqualTo(created.GetProperty("created_at").GetDateTime()));
            Assert.That(edited.GetProperty("updated_at").GetDateTime(), Is.GreaterThan(started));
        }
        foreach (var url in new[] { "chats/1/messages/77", "chats/1/messages/9", "chats/2/messages/1" })
            await (await Client.GetAsync($"/applications/{token}/{url}")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.That((await GetAsync($"/applications/{token}/chats/1/messages/1")).GetProperty("body").GetString(), Is.EqualTo("edited by PUT"));

        await using (await WorkerHost.StartAsync())
            await WorkerHost.WaitForMessagesAsync(token, 1);
        await Task.Delay(300); // the edits are newer states of the same row
        Assert.That(await Database.MessagesAsync(token, includeDeleted: true), Is.EqualTo(new[] { (1, 1, "edited by PUT") }));
        Assert.That(await Database.ScalarAsync<long>("SELECT COUNT(*) FROM messages WHERE HEX(uid) = @uid", ("@uid", InjectedUid.Replace("-", ""))),
            Is.Zero, "the uid is the server's");
        Assert.That(await Database.ScalarAsync<long>("""
            SELECT COUNT(*) FROM messages m JOIN chats c ON c.id = m.chat_id JOIN applications a ON a.id = c.application_id
            WHERE a.token = @t AND m.created_at = @created AND m.sender IS NULL AND m.sent_at IS NULL
            """, ("@t", token), ("@created", created.GetProperty("created_at").GetDateTime())), Is.EqualTo(1));
    }

    private async Task<JsonElement> SendAsync(HttpMethod method, string url, object body, HttpStatusCode expected) =>
        await (await Client.SendJsonAsync(method, url, body)).ShouldBeAsync(expected);

    private async Task<JsonElement> GetAsync(string url) => await (await Client.GetAsync(url)).ShouldBeAsync(HttpStatusCode.OK);
}
