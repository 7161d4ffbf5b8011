using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Contracts;
using Chat.Domain.Pipeline;
using Chat.Tests.Infrastructure;
using Chat.Tests.Members;
using Chat.Worker.Feed;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Chat.Tests.Feed;

/// <summary>
/// The change feed (docs/decisions/0015): every change of an application gets a position at acceptance, and a reader that
/// follows <c>next</c> sees every change exactly once, in order, never past one that is not readable yet.
/// </summary>
public sealed class FeedTests : TwoApiHosts
{
    /// <summary>One change as the feed names it.</summary>
    private sealed record Change(string Type, int Chat, int? Number, string? User);

    [Test]
    public async Task AReaderFollowingNextSeesEveryChangeOnceInOrderWhileTwoHostsWrite()
    {
        var token = await HostA.CreateApplicationAsync();
        var (a, b) = (HostA.CreateClient(), HostB.CreateClient());
        var reader = HostA.CreateClient();
        var expected = new List<Change>();
        var chat = await a.CreateChatAsync(token, new { members = new[] { "alice", "bob" } });
        expected.AddRange([new("chat.created", chat, null, null), new("member.added", chat, null, "alice"), new("member.added", chat, null, "bob")]);

        var seen = new List<(long Seq, Change Change)>();
        var after = 0L;
        using var stop = new CancellationTokenSource();
        var following = Task.Run(async () =>
        {
            while (true)
            {
                var page = await reader.GetOkAsync($"/applications/{token}/events?after={after}&limit=7");
                seen.AddRange(page.GetProperty("data").EnumerateArray().Select(e => (e.GetProperty("seq").GetInt64(), ChangeOf(e))));
                after = long.Parse(page.GetProperty("next").GetString()!.Split("after=")[1].Split('&')[0]);
                if (stop.IsCancellationRequested && page.GetProperty("data").GetArrayLength() == 0) return;
                await Task.Delay(5);
            }
        });

        // Two writers on two hosts, a worker persisting part of it meanwhile: pending and persisted entries mix.
        await using (await WorkerHost.StartAsync())
        {
            var writers = new[] { a, b }.Select(async (client, w) =>
            {
                var mine = new List<Change>();
                for (var i = 0; i < 15; i++)
                {
                    var number = await client.PostMessageAsync(token, chat, $"writer {w} message {i}", sender: w == 0 ? "alice" : "bob");
                    mine.Add(new("message.created", chat, number, w == 0 ? "alice" : "bob"));
                    // Sending moves the sender's cursors past the message: a change of its own, in the same command.
                    mine.Add(new("receipt.updated", chat, null, w == 0 ? "alice" : "bob"));
                    if (i % 5 == 0)
                    {
                        await (await client.PatchAsJsonAsync($"/applications/{token}/chats/{chat}/messages/{number}", new { body = "edited" }))
                            .ShouldBeAsync(HttpStatusCode.OK);
                        mine.Add(new("message.updated", chat, number, w == 0 ? "alice" : "bob"));
                    }
                    if (i % 7 == 3)
                    {
                        await (await client.DeleteAsync($"/applications/{token}/chats/{chat}/messages/{number}")).ShouldBeAsync(HttpStatusCode.NoContent);
                        mine.Add(new("message.deleted", chat, number, w == 0 ? "alice" : "bob"));
                    }
                }
                return mine;
            });
            foreach (var changes in await Task.WhenAll(writers)) expected.AddRange(changes);
            await (await a.PostAsJsonAsync($"/applications/{token}/chats/{chat}/members", new { users = new[] { "carol" } })).ShouldBeAsync(HttpStatusCode.OK);
            await (await b.DeleteAsync($"/applications/{token}/chats/{chat}/members/carol")).ShouldBeAsync(HttpStatusCode.NoContent);
            await (await a.PatchAsJsonAsync($"/applications/{token}/chats/{chat}", new { name = "renamed" })).ShouldBeAsync(HttpStatusCode.OK);
            expected.AddRange([new("member.added", chat, null, "carol"), new("member.removed", chat, null, "carol"), new("chat.updated", chat, null, null)]);
            await stop.CancelAsync();
            await following;
        }

        Assert.That(seen.Select(s => s.Seq), Is.Ordered.And.Unique, "in order, each once");
        Assert.That(seen.Select(s => s.Seq), Is.EqualTo(Enumerable.Range(1, seen.Count).Select(n => (long)n)), "dense: no position skipped");
        Assert.That(seen.Select(s => s.Change), Is.EquivalentTo(expected), "every acknowledged change, nothing else");
    }

    [Test]
    public async Task ARefusedChangeLeavesAVoidThatTheFeedWaitsOnBrieflyThenPasses()
    {
        await using var api = new ApiFactory(new Dictionary<string, string?> { ["Feed:GapTimeout"] = "00:00:10" });
        var token = await api.CreateApplicationAsync();
        var client = api.CreateClient();
        var chat = await client.CreateChatAsync(token, new { });
        await client.PostMessageAsync(token, chat, "accepted");

        await BrokerFaults.WhileTheBrokerIsAwayAsync(async () =>
            await (await client.PatchAsJsonAsync($"/applications/{token}/chats/{chat}/messages/1", new { body = "refused" }))
                .ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable));
        await client.PostMessageAsync(token, chat, "after");

        async Task<string> PageAsync() => string.Join(",", (await client.GetOkAsync($"/applications/{token}/events")).GetProperty("data")
            .EnumerateArray().Select(e => $"{e.GetProperty("seq").GetInt64()} {e.GetProperty("type").GetString()}"));
        Assert.That(await PageAsync(), Is.EqualTo("1 chat.created,2 message.created"),
            "position 3 is the refused edit's void: the broker may still have taken it, so the feed waits a moment");
        Assert.That(await Eventually.HoldsAsync(async () => await PageAsync() == "1 chat.created,2 message.created,4 message.created", TimeSpan.FromSeconds(30)),
            "then passes it, never shown");

        await using (await WorkerHost.StartAsync(new Dictionary<string, string?> { ["Outbox:Age"] = "00:00:01", ["Outbox:Interval"] = "00:00:00.2" }))
            Assert.That(await Eventually.HoldsAsync(async () => await FeedRowsAsync(token) == "1 chat.created,2 message.created,3 void,4 message.created",
                TimeSpan.FromSeconds(20)), "the void is written in its place, by the outbox sweeper");
        Assert.That((await client.GetOkAsync($"/applications/{token}/events")).GetProperty("data").GetArrayLength(), Is.EqualTo(3), "read from MySQL now");
    }

    [Test]
    public async Task AfterRedisLostItsDataPositionsNeverRepeatAndTheEpochChanges()
    {
        await using var api = new ApiFactory(new Dictionary<string, string?> { ["Feed:GapTimeout"] = "00:00:01" });
        var token = await api.CreateApplicationAsync();
        var client = api.CreateClient();
        await using var worker = await WorkerHost.StartAsync();
        var chat = await client.CreateChatAsync(token, new { });
        await client.PostMessageAsync(token, chat, "before");
        var before = await client.GetOkAsync($"/applications/{token}/events");
        await WorkerHost.WaitForMessagesAsync(token, 1);
        Assert.That(await Eventually.HoldsAsync(async () => await FeedRowsAsync(token) == "1 chat.created,2 message.created"), "persisted");

        await TestServices.FlushRedisAsync();
        await client.PostMessageAsync(token, chat, "after");

        Assert.That((await client.GetOkAsync($"/applications/{token}/events?after=2")).GetProperty("data").GetArrayLength(), Is.Zero,
            "the positions Redis lost are waited for, in case they are still on their way from the queue");
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var after = await client.GetOkAsync($"/applications/{token}/events?after=2");
        var seq = after.GetProperty("data")[0].GetProperty("seq").GetInt64();
        Assert.That(seq, Is.GreaterThan(2), "no position handed out twice");
        Assert.That(after.GetProperty("epoch").GetInt64(), Is.Not.EqualTo(before.GetProperty("epoch").GetInt64()), "the epoch says a gap may be real");
        Assert.That(after.GetProperty("data")[0].GetProperty("data").GetProperty("body").GetString(), Is.EqualTo("after"));
    }

    [Test]
    public async Task APositionOlderThanTheRetentionIs410WithTheOldestKept()
    {
        var token = await HostA.CreateApplicationAsync();
        var client = HostA.CreateClient();
        var chat = await client.CreateChatAsync(token, new { });
        await using (await WorkerHost.StartAsync())
        {
            await client.PostMessageAsync(token, chat, "old");
            Assert.That(await Eventually.HoldsAsync(async () => await FeedRowsAsync(token) == "1 chat.created,2 message.created"), "persisted");
        }

        // Three days later, with a day of retention: the partition holding today is dropped whole.
        await RetentionAsync(DateTimeOffset.UtcNow.AddDays(3), TimeSpan.FromDays(1));

        await (await client.GetAsync($"/applications/{token}/events?after=0")).ShouldBeProblemAsync(HttpStatusCode.Gone);
        var gone = await (await client.GetAsync($"/applications/{token}/events")).Content.ReadFromJsonAsync<JsonElement>();
        Assert.That(gone.GetProperty("oldest_seq").GetInt64(), Is.EqualTo(3));
        await client.PostMessageAsync(token, chat, "new");
        var page = await client.GetOkAsync($"/applications/{token}/events?after=2");
        Assert.That(page.GetProperty("data")[0].GetProperty("seq").GetInt64(), Is.EqualTo(3), "from the oldest kept position on, the feed reads as usual");

        // A worker whose clock is behind the one that ran above finds partitions ahead of its own days: its run adds none.
        Assert.DoesNotThrowAsync(() => RetentionAsync(DateTimeOffset.UtcNow, TimeSpan.FromDays(7)));
    }

    [Test]
    public async Task AMessagesHistoryIsEveryVersionOldestFirst()
    {
        var token = await HostA.CreateApplicationAsync();
        var client = HostA.CreateClient();
        var chat = await client.CreateChatAsync(token, new { });
        var number = await client.PostMessageAsync(token, chat, "v1");
        await client.PostMessageAsync(token, chat, "another message");
        var url = $"/applications/{token}/chats/{chat}/messages/{number}";
        await (await client.PatchAsJsonAsync(url, new { body = "v2" })).ShouldBeAsync(HttpStatusCode.OK);
        await using (await WorkerHost.StartAsync())
        {
            await (await client.PatchAsJsonAsync(url, new { body = "v3" })).ShouldBeAsync(HttpStatusCode.OK);
            await (await client.PatchAsJsonAsync(url, new { body = "v4" })).ShouldBeAsync(HttpStatusCode.OK);
        }

        var history = (await client.GetOkAsync($"{url}/history")).GetProperty("data").EnumerateArray().ToList();
        Assert.That(history.Select(v => v.GetProperty("data").GetProperty("body").GetString()), Is.EqualTo(new[] { "v1", "v2", "v3", "v4" }),
            "oldest first, persisted and pending alike");
        Assert.That(history.Select(v => v.GetProperty("type").GetString()), Is.EqualTo(new[] { "message.created", "message.updated", "message.updated", "message.updated" }));
        await (await client.GetAsync($"/applications/{token}/chats/{chat}/messages/99/history")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
    }

    [Test]
    public async Task HubEventsCarryTheirFeedPosition()
    {
        var token = await HostA.CreateApplicationAsync();
        var client = HostB.CreateClient();
        var chat = await client.CreateChatAsync(token, new { });
        await using var hub = await HubClient.ConnectAsync(HostA);
        await hub.JoinAsync(token, chat);
        await client.PostMessageAsync(token, chat, "hello");

        var created = await hub.NextAsync(HubClient.Soon);
        Assert.That(created?.Name, Is.EqualTo("messageCreated"));
        Assert.That(created!.Value.Payload.GetProperty("seq").GetInt64(), Is.EqualTo(2), "chat.created took 1");
        var feed = await client.GetOkAsync($"/applications/{token}/events?after=1");
        Assert.That(feed.GetProperty("data")[0].GetProperty("seq").GetInt64(), Is.EqualTo(2), "the same position as the feed's");
    }

    [Test]
    public async Task AUserTokenReadsTheChangesOfChatsItMayReadAndOfItsOwnMembership()
    {
        var client = HostA.CreateClient();
        var (token, secret) = await client.CreateApplicationWithSecretAsync("user_tokens");
        var alice = UserTokens.For(secret, "alice");
        async Task<int> ChatAsync(object body) =>
            (await (await client.SendAsAsync(secret, HttpMethod.Post, $"/applications/{token}/chats", body)).ShouldBeAsync(HttpStatusCode.Created))
            .GetProperty("number").GetInt32();
        var hers = await ChatAsync(new { members = new[] { "alice", "bob" } });
        var others = await ChatAsync(new { members = new[] { "bob", "carol" } });
        var open = await ChatAsync(new { });
        var left = await ChatAsync(new { members = new[] { "alice", "carol" } });
        await (await client.SendAsAsync(secret, HttpMethod.Delete, $"/applications/{token}/chats/{left}/members/alice")).ShouldBeAsync(HttpStatusCode.NoContent);

        var page = await (await client.SendAsAsync(alice, HttpMethod.Get, $"/applications/{token}/events")).ShouldBeAsync(HttpStatusCode.OK);
        var seen = page.GetProperty("data").EnumerateArray().Select(ChangeOf).ToList();

        Assert.That(seen.Select(c => c.Chat).Distinct(), Is.EquivalentTo(new[] { hers, open, left }), "nothing of a chat she cannot read");
        Assert.That(seen.Where(c => c.Chat == left), Is.EqualTo(new[] { new Change("member.added", left, null, "alice"), new Change("member.removed", left, null, "alice") }),
            "of a chat she left, only her own membership");
        var all = await (await client.SendAsAsync(secret, HttpMethod.Get, $"/applications/{token}/events")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(all.GetProperty("data").EnumerateArray().Select(ChangeOf).Select(c => c.Chat).Distinct(), Does.Contain(others), "the server role reads everything");
        Assert.That(page.GetProperty("next").GetString(), Is.EqualTo(all.GetProperty("next").GetString()), "both continue after the same position");
    }

    private static Change ChangeOf(JsonElement e) => new(e.GetProperty("type").GetString()!, e.GetProperty("chat").GetInt32(),
        e.TryGetProperty("number", out var n) ? n.GetInt32() : null, e.TryGetProperty("user", out var u) ? u.GetString() : null);

    /// <summary>The application's feed rows in MySQL, as "seq type,…".</summary>
    private static async Task<string> FeedRowsAsync(string token)
    {
        var app = await MemberRows.ApplicationIdAsync(token);
        await using var connection = new MySqlConnection(TestServices.MySql);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("SELECT seq, type FROM feed WHERE application_id = @a ORDER BY seq", connection);
        command.Parameters.AddWithValue("@a", app);
        var rows = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add($"{reader.GetInt64(0)} {reader.GetString(1)}");
        return string.Join(',', rows);
    }

    private static async Task RetentionAsync(DateTimeOffset now, TimeSpan retention)
    {
        await using var database = new MySqlDataSourceBuilder(new MySqlConnectionStringBuilder(TestServices.MySql).ConnectionString).Build();
        var clock = new FixedClock(now);
        var job = new FeedRetention(database, clock, Options.Create(new FeedOptions { Retention = retention }), NullLogger<FeedRetention>.Instance);
        await job.RunAsync(CancellationToken.None);
    }

    private sealed class FixedClock(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
