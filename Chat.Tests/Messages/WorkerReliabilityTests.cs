using Microsoft.Extensions.Logging;
using Chat.Contracts;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Chat.Domain.Messaging;
using Chat.Tests.Infrastructure;
using Chat.Tests.Members;
using RabbitMQ.Client;

namespace Chat.Tests.Messages;

/// <summary>Nothing accepted is lost: commands out of order, the broker away, the worker killed mid-batch.</summary>
public sealed class WorkerReliabilityTests : OneApiHost
{
    [Test]
    public async Task CommandsInAnyOrderConvergeToTheLatestState()
    {
        var token = await Api.CreateApplicationAsync();
        var appId = await Database.ScalarAsync<long>("SELECT id FROM applications WHERE token = @t", ("@t", token));
        var t0 = DateTime.UtcNow.AddMinutes(-1);
        var chat = new ChatState(appId, 1, Guid.NewGuid(), "c", t0, t0, null);
        MessageState Message(int number, string body, int secondsLater, bool deleted = false) =>
            new(appId, 1, number, Guids[number], body, null, null, t0, t0.AddSeconds(secondsLater), deleted ? t0.AddSeconds(secondsLater) : null);

        // Deliberately backwards: deletion and edits before creations, the chat last, and a duplicate.
        await PublishAsync(
            new MessageChanged(Guid.NewGuid(), Change.Deleted, Message(2, "two", 20, deleted: true)),
            new MessageChanged(Guid.NewGuid(), Change.Updated, Message(1, "one, edited", 10)),
            new MessageChanged(Guid.NewGuid(), Change.Created, Message(2, "two", 0)),
            new MessageChanged(Guid.NewGuid(), Change.Created, Message(1, "one", 0)),
            new MessageChanged(Guid.NewGuid(), Change.Created, Message(1, "one", 0)),
            new ChatChanged(Guid.NewGuid(), Change.Created, chat));

        await using (await WorkerHost.StartAsync())
            Assert.That(await WorkerHost.WaitForMessagesAsync(token, 1), Is.EqualTo(1));
        var rows = await Database.MessagesAsync(token);
        Assert.That(rows, Is.EqualTo(new[] { (1, 1, "one, edited") }), "the newest edit wins and the deletion stays deleted");
    }

    private static readonly Guid[] Guids = [Guid.Empty, Guid.NewGuid(), Guid.NewGuid()];

    [Test]
    public async Task TheSameCommandTwiceInOneBatchIsWrittenOnce()
    {
        var token = await Api.CreateApplicationAsync();
        var appId = await Database.ScalarAsync<long>("SELECT id FROM applications WHERE token = @t", ("@t", token));
        var t0 = DateTime.UtcNow.AddMinutes(-1);
        MessageChanged Created(int number, string body) =>
            new(Guid.NewGuid(), Change.Created, new MessageState(appId, 1, number, Guid.NewGuid(), body, null, null, t0, t0, null));
        var twice = Created(1, "once");

        // A command sent again (from the retry queue, or by the outbox) while its first copy was still queued: both copies
        // can land in one batch, which must not fail on them over and over until the broker dead-letters them.
        await PublishAsync(new ChatChanged(Guid.NewGuid(), Change.Created, new ChatState(appId, 1, Guid.NewGuid(), "c", t0, t0, null)),
            twice, twice, Created(2, "after"));
        // A wide batch window so that the four deliveries form one batch even on a loaded machine.
        await using var worker = await WorkerHost.StartAsync(new Dictionary<string, string?> { ["Worker:BatchWindow"] = "00:00:02" });
        Assert.That(await Eventually.HoldsAsync(() => Task.FromResult(worker.Logs.Entries.Any(e => e.Message.StartsWith("Batch of 4:", StringComparison.Ordinal))),
            TimeSpan.FromSeconds(30)), "the batch is handled and acknowledged: " + string.Join("; ", worker.Logs.Entries.Where(e => e.Level >= LogLevel.Warning)));
        Assert.That(await Database.MessagesAsync(token), Is.EqualTo(new[] { (1, 1, "once"), (1, 2, "after") }));
    }

    [Test]
    public async Task ANumberTakenByAnotherMessageIsRefusedInABatchWhoseNumbersAreReadAsOneRange()
    {
        var token = await Api.CreateApplicationAsync();
        var appId = await Database.ScalarAsync<long>("SELECT id FROM applications WHERE token = @t", ("@t", token));
        var t0 = DateTime.UtcNow.AddMinutes(-1);
        var marker = $"collision-{Guid.NewGuid():N}";
        MessageChanged Created(int number, string body) =>
            new(Guid.NewGuid(), Change.Created, new MessageState(appId, 1, number, Guid.NewGuid(), body, null, null, t0, t0, null));
        await PublishAsync([new ChatChanged(Guid.NewGuid(), Change.Created, new ChatState(appId, 1, Guid.NewGuid(), "c", t0, t0, null)),
            .. Enumerable.Range(1, 40).Select(n => Created(n, $"first {n}"))]);
        await using (await WorkerHost.StartAsync())
            Assert.That(await WorkerHost.WaitForMessagesAsync(token, 40), Is.EqualTo(40));

        // 41..80 and another message under 20: the worker reads the owners of 20..80 as one range (Sql.SelectKeys), 21..40
        // among them, which were not asked for and must not count as collisions.
        await PublishAsync([.. Enumerable.Range(41, 40).Select(n => Created(n, $"second {n}")), Created(20, marker)]);
        await using (await WorkerHost.StartAsync(new Dictionary<string, string?> { ["Worker:BatchWindow"] = "00:00:02" }))
        {
            Assert.That(await WorkerHost.WaitForMessagesAsync(token, 80), Is.EqualTo(80));
            Assert.That(await DeadLetters.WithMarkerAsync(marker, expected: 1), Has.Count.EqualTo(1), "the colliding one is refused");
        }
        var rows = await Database.MessagesAsync(token);
        Assert.That(rows.Single(r => r.Number == 20).Body, Is.EqualTo("first 20"), "the number keeps the message it was accepted with");
        Assert.That(rows.Where(r => r.Number > 40).Select(r => r.Body), Is.EqualTo(Enumerable.Range(41, 40).Select(n => $"second {n}")));
    }

    [Test]
    public async Task AnOlderMemberStateInALaterBatchKeepsTheNewerMembershipAndRaisesOnlyTheCursorsItCarriesHigher()
    {
        var token = await Api.CreateApplicationAsync();
        var appId = await Database.ScalarAsync<long>("SELECT id FROM applications WHERE token = @t", ("@t", token));
        var t0 = DateTime.UtcNow.AddMinutes(-1);
        // First worker run: bob as he is now (joined again at +20 s), delivered up to 5, read up to 3.
        await PublishAsync(new ChatChanged(Guid.NewGuid(), Change.Created, new ChatState(appId, 1, Guid.NewGuid(), "c", t0, t0, null)),
            new MembersChanged(Guid.NewGuid(), appId, 1, [new MemberState("bob", t0.AddSeconds(20), t0.AddSeconds(20), null, 5, 3)]));
        await using (await WorkerHost.StartAsync())
            Assert.That(await Eventually.HoldsAsync(async () => (await MemberRows.OfAsync(token)).Count == 1), "first state persisted");

        // Second run, so no in-batch coalescing decides: a late, older state (bob left at +10 s) with a higher
        // delivered and a lower read cursor. Only the SQL can keep the newer membership and the greatest cursors.
        await PublishAsync(new MembersChanged(Guid.NewGuid(), appId, 1, [new MemberState("bob", t0, t0.AddSeconds(10), t0.AddSeconds(10), 9, 1)]));
        await using (await WorkerHost.StartAsync())
            Assert.That(await Eventually.HoldsAsync(async () => (await MemberRows.OfAsync(token)).Single().DeliveredUpTo == 9), "late state applied");

        Assert.That(await MemberRows.OfAsync(token), Is.EqualTo(new[] { new MemberRows.Row(1, "bob", 9, 3, Left: false) }));
    }

    [Test]
    public async Task BrokerAwayMeans503QuicklyAndEverything201IsPersistedAfterwards()
    {
        var token = await Api.CreateApplicationAsync();
        await Client.CreateChatAsync(token, new { });
        var accepted = 0;
        for (var i = 0; i < 20; i++)
            if ((await Client.PostAsJsonAsync($"/applications/{token}/chats/1/messages", new { body = $"before {i}" })).StatusCode == HttpStatusCode.Created)
                accepted++;

        await BrokerFaults.WhileTheBrokerIsAwayAsync(async () =>
        {
            for (var i = 0; i < 5; i++)
            {
                var clock = Stopwatch.StartNew();
                using var response = await Client.PostAsJsonAsync($"/applications/{token}/chats/1/messages", new { body = $"during {i}" });
                if (response.StatusCode == HttpStatusCode.Created) { accepted++; continue; } // confirmed before the close
                await response.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);
                Assert.That(response.Headers.RetryAfter, Is.Not.Null);
                Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(6)), "fails fast, never hangs");
            }
        });

        for (var i = 0; i < 10; i++)
        {
            var deadline = DateTime.UtcNow.AddSeconds(15);
            HttpStatusCode status;
            while ((status = (await Client.PostAsJsonAsync($"/applications/{token}/chats/1/messages", new { body = $"after {i}" })).StatusCode)
                   != HttpStatusCode.Created && DateTime.UtcNow < deadline)
                await Task.Delay(200);
            Assert.That(status, Is.EqualTo(HttpStatusCode.Created), "the API recovers once the broker is back");
            accepted++;
        }
        await using (await WorkerHost.StartAsync())
            Assert.That(await WorkerHost.WaitForMessagesAsync(token, accepted), Is.EqualTo(accepted), "every 201 persisted, nothing else");
    }

    [Test]
    public async Task AChangeTheBrokerRefusedLeavesWhatWasAcceptedBeforeVisible()
    {
        // No worker runs: the chat, its members and the message stay pending in Redis, so only the pending set shows them.
        var token = await Api.CreateApplicationAsync();
        var chats = $"/applications/{token}/chats";
        await (await Client.PostAsJsonAsync(chats, new { name = "accepted", members = new[] { "alice", "bob" } })).ShouldBeAsync(HttpStatusCode.Created);
        await (await Client.PostAsJsonAsync($"{chats}/1/messages", new { body = "accepted" })).ShouldBeAsync(HttpStatusCode.Created);

        await BrokerFaults.WhileTheBrokerIsAwayAsync(async () =>
        {
            foreach (var refused in new[]
                     {
                         await Client.PatchAsJsonAsync($"{chats}/1/messages/1", new { body = "refused" }),
                         await Client.DeleteAsync($"{chats}/1/messages/1"),
                         await Client.PatchAsJsonAsync($"{chats}/1", new { name = "refused" }),
                         await Client.DeleteAsync($"{chats}/1/members/alice"),
                     })
                await refused.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);
        });

        var message = await (await Client.GetAsync($"{chats}/1/messages/1")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(message.GetProperty("body").GetString(), Is.EqualTo("accepted"), "a refused edit or deletion hides nothing");
        var chat = await (await Client.GetAsync($"{chats}/1")).ShouldBeAsync(HttpStatusCode.OK);
        Assert.That(chat.GetProperty("name").GetString(), Is.EqualTo("accepted"));
        await (await Client.GetAsync($"{chats}/1/members/alice")).ShouldBeAsync(HttpStatusCode.OK);

        await using (await WorkerHost.StartAsync())
            Assert.That(await WorkerHost.WaitForMessagesAsync(token, 1), Is.EqualTo(1));
        Assert.That(await Database.MessagesAsync(token), Is.EqualTo(new[] { (1, 1, "accepted") }));
    }

    [Test]
    public async Task WorkerKilledMidBatchLosesAndDuplicatesNothing()
    {
        var token = await Api.CreateApplicationAsync();
        await Client.CreateChatAsync(token, new { });
        using var throttle = new SemaphoreSlim(16);
        await Task.WhenAll(Enumerable.Range(0, 3000).Select(async i =>
        {
            await throttle.WaitAsync();
            try
            {
                await (await Client.PostAsJsonAsync($"/applications/{token}/chats/1/messages", new { body = $"m{i}" })).ShouldBeAsync(HttpStatusCode.Created);
            }
            finally
            {
                throttle.Release();
            }
        }));

        // A real worker process, killed with SIGKILL once it has written some batches but not all.
        using (var first = WorkerProcess.Start(SmallBatches))
        {
            var deadline = DateTime.UtcNow.AddSeconds(60);
            while (await Database.ScalarAsync<long>("SELECT COUNT(*) FROM messages m JOIN chats c ON c.id = m.chat_id JOIN applications a ON a.id = c.application_id WHERE a.token = @t",
                       ("@t", token)) < 200 && DateTime.UtcNow < deadline)
                await Task.Delay(20);
            await first.KillAsync();
        }
        var persistedAtKill = await WorkerHost.WaitForMessagesAsync(token, 3000, TimeSpan.Zero);
        Assert.That(persistedAtKill, Is.InRange(1, 2999), "killed mid-way");

        using var second = WorkerProcess.Start(SmallBatches);
        Assert.That(await WorkerHost.WaitForMessagesAsync(token, 3000), Is.EqualTo(3000), "no message lost");
        await second.KillAsync();
        Assert.That(second.Redelivered, Is.GreaterThan(0), "the unacknowledged deliveries came back");
        var distinct = await Database.ScalarAsync<long>(
            "SELECT COUNT(DISTINCT m.number) FROM messages m JOIN chats c ON c.id = m.chat_id JOIN applications a ON a.id = c.application_id WHERE a.token = @t",
            ("@t", token));
        Assert.That(distinct, Is.EqualTo(3000), "no duplicates");
    }

    /// <summary>Small batches make "mid-way" likely.</summary>
    private static readonly Dictionary<string, string?> SmallBatches = new() { ["Worker:BatchSize"] = "100" };

    private static async Task PublishAsync(params Command[] commands)
    {
        var factory = new ConnectionFactory { Uri = new Uri(TestServices.RabbitMq) };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        await Topology.DeclareAsync(channel, 5);
        foreach (var command in commands)
            await channel.BasicPublishAsync(QueueNames.Commands, "", false, new BasicProperties { Persistent = true }, CommandJson.Serialize(command));
    }
}
