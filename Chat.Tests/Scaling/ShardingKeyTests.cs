using System.Net;
using System.Net.Http.Json;
using Chat.Contracts;
using Chat.Tests.Infrastructure;
using Chat.Tests.Members;

namespace Chat.Tests.Scaling;

/// <summary>
/// The next step past one MySQL is sharding by application through Vitess (README, "Scaling"; docs/vitess/). That only
/// works if every statement the product sends names the sharding key of every sharded table it touches. This drives
/// every endpoint, the worker, its purge of deleted applications and the count job, captures every statement the
/// API and the worker send, and checks each one against docs/vitess/vschema.json.
/// </summary>
public sealed class ShardingKeyTests
{
    private static readonly VSchemaRouting VSchema = VSchemaRouting.Load(Path.Combine(AppContext.BaseDirectory, "vitess", "vschema.json"));

    // Listening before the hosts send their first query: EF Core caches for a while that nobody listens.
    private readonly SqlCapture _capture = new();

    [OneTimeTearDown]
    public void StopCapture() => _capture.Dispose();

    [Test]
    public async Task EveryStatementTheProductSendsNamesTheShardingKeyOfEachTableItTouches()
    {
        await using var api = new ApiFactory();
        var client = api.CreateClient();
        var token = await api.CreateApplicationAsync();
        var doomed = await api.CreateApplicationAsync();

        await using (var worker = await WorkerHost.StartAsync())
        {
            await DriveEveryEndpointAsync(client, token, doomed);
            // Once persisted, the reads go to MySQL rather than to the pending copies in Redis: read everything again.
            using (SqlCapture.Unwatched())
            {
                var id = await Database.ScalarAsync<long>("SELECT id FROM applications WHERE token = @t", ("@t", token));
                var redis = await MemberRows.RedisAsync();
                Assert.That(await Eventually.HoldsAsync(async () => await redis.SortedSetLengthAsync(RedisKeys.Outbox(id)) == 0), Is.True,
                    "everything accepted is persisted");
            }
            await ReadEverythingAsync(client, token);
            await (await client.DeleteAsync($"/applications/{doomed}")).ShouldBeAsync(HttpStatusCode.NoContent);
            using (var admin = new HttpRequestMessage(HttpMethod.Post, "/admin/jobs/reconcile-counts"))
            {
                admin.Headers.Add("X-Admin-Key", TestServices.AdminKey);
                Assert.That((await client.SendAsync(admin)).StatusCode, Is.EqualTo(HttpStatusCode.Accepted));
            }
            using (SqlCapture.Unwatched())
                Assert.That(await Eventually.HoldsAsync(async () =>
                    await Database.ScalarAsync<long>("SELECT COUNT(*) FROM applications WHERE token = @t", ("@t", doomed)) == 0), Is.True,
                    "the worker purged the deleted application");
            await Task.Delay(1000); // the count job runs in the worker's Hangfire server
        }
        var keyed = _capture.Statements.ToList();

        // The admin listing of every application is a scatter over `applications` on purpose (docs/vitess/README.md).
        var before = _capture.Statements.Count;
        using (var listing = new HttpRequestMessage(HttpMethod.Get, "/applications?limit=5"))
        {
            listing.Headers.Add("X-Admin-Key", TestServices.AdminKey);
            await (await client.SendAsync(listing)).ShouldBeAsync(HttpStatusCode.OK);
        }
        var scatter = _capture.Statements.Skip(before).ToList();

        var shapes = keyed.Select(VSchemaRouting.Shape).Distinct().Order().ToList();
        TestContext.Progress.WriteLine($"{keyed.Count} statements in {shapes.Count} shapes:\n  " + string.Join("\n  ", shapes));
        var unkeyed = shapes.Select(s => (Shape: s, Tables: VSchema.UnkeyedTables(s))).Where(s => s.Tables.Count > 0).ToList();
        Assert.That(unkeyed.Select(u => $"{string.Join(",", u.Tables)}: {u.Shape}"), Is.Empty, "statements without a sharding key");

        Assert.That(shapes.SelectMany(VSchema.UnknownTables).Distinct(), Is.Empty, "every table the product uses is in the VSchema");
        var touched = shapes.SelectMany(s => VSchema.TablesOf(s).Values).ToHashSet();
        Assert.That(touched, Is.SupersetOf(new[] { "applications", "chats", "messages", "chat_members", "number_blocks", "feed", "feed_epochs" }),
            "the workload reached every table the product uses");
        Assert.That(scatter.Select(s => VSchema.UnkeyedTables(s)), Has.Some.EquivalentTo(new[] { "applications" }).And.All.SubsetOf(new[] { "applications" }),
            "the admin listing scatters over applications only");
    }

    private static async Task DriveEveryEndpointAsync(HttpClient client, string token, string doomed)
    {
        var app = $"/applications/{token}";
        await client.GetOkAsync(app);
        await (await client.PatchAsJsonAsync(app, new { name = "renamed" })).ShouldBeAsync(HttpStatusCode.OK);
        var team = await client.CreateChatAsync(token, new { name = "team", members = new[] { "alice", "bob" } });
        var pair = await client.CreateChatAsync(token, new { members = new[] { "alice", "carol" }, distinct = true });
        await (await client.PostAsJsonAsync($"{app}/chats", new { members = new[] { "carol", "alice" }, distinct = true })).ShouldBeAsync(HttpStatusCode.OK);
        for (var i = 1; i <= 5; i++) await client.PostMessageAsync(token, team, $"hello {i}", "alice");
        await client.PostMessageAsync(token, pair, "hi", "carol");
        await (await client.PostAsJsonAsync($"{app}/chats/{team}/messages",
            new { body = "reply", sender = "bob", reply_to = 1, mentions = new[] { "alice" }, metadata = new { k = 1 } })).ShouldBeAsync(HttpStatusCode.Created);
        foreach (var user in new[] { "alice", "bob" })
            await (await client.PutAsync($"{app}/chats/{team}/messages/1/reactions/up?user={user}", null)).ShouldBeAsync(HttpStatusCode.OK);
        await (await client.DeleteAsync($"{app}/chats/{team}/messages/1/reactions/up?user=bob")).ShouldBeAsync(HttpStatusCode.OK);
        await (await client.PatchAsJsonAsync($"{app}/chats/{team}", new { name = "the team" })).ShouldBeAsync(HttpStatusCode.OK);
        await (await client.PatchAsJsonAsync($"{app}/chats/{team}/messages/2", new { body = "edited" })).ShouldBeAsync(HttpStatusCode.OK);
        await (await client.DeleteAsync($"{app}/chats/{team}/messages/3")).ShouldBeAsync(HttpStatusCode.NoContent);
        await (await client.PostAsJsonAsync($"{app}/chats/{team}/members", new { users = new[] { "dave" } })).ShouldBeAsync(HttpStatusCode.OK);
        await client.ReportAsync(token, team, new { user = "bob", delivered_up_to = 4, read_up_to = 2 });
        await (await client.DeleteAsync($"{app}/chats/{team}/members/dave")).ShouldBeAsync(HttpStatusCode.NoContent);
        var gone = await client.CreateChatAsync(token, new { name = "short-lived" });
        await client.PostMessageAsync(token, gone, "bye");
        await (await client.DeleteAsync($"{app}/chats/{gone}")).ShouldBeAsync(HttpStatusCode.NoContent);
        var other = await client.CreateChatAsync(doomed, new { name = "doomed" });
        await client.PostMessageAsync(doomed, other, "soon gone");
        await ReadEverythingAsync(client, token);
    }

    private static async Task ReadEverythingAsync(HttpClient client, string token)
    {
        var app = $"/applications/{token}";
        foreach (var url in new[]
                 {
                     app, $"{app}/chats?limit=10", $"{app}/chats/1", $"{app}/chats/1/messages?limit=2", $"{app}/chats/1/messages?after=1&limit=2",
                     $"{app}/chats/1/messages?from=2000-01-01T00:00:00Z&to=2100-01-01T00:00:00Z", $"{app}/chats/1/messages/1",
                     $"{app}/chats/1/messages/search?q=hello", $"{app}/chats/1/members", $"{app}/chats/1/members/alice",
                     $"{app}/users/alice/chats", $"{app}/chats/1/messages/4/receipts", $"{app}/users/alice/presence",
                     $"{app}/users/alice/unread", $"{app}/chats/1/messages?reply_to=1", $"{app}/chats/1/messages?include_deleted=true&after=0",
                 })
            await client.GetOkAsync(url);
    }
}
