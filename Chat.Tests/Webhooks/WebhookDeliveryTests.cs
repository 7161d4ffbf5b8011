using System.Diagnostics.Metrics;
using System.Net;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Webhooks;

/// <summary>
/// Delivery to real receivers on loopback (promise 17 of RELIABILITY.md): every durable change arrives, signed so the
/// StandardWebhooks library verifies it, at least once, with the same webhook-id on every attempt, whatever the
/// receiver does for a while.
/// </summary>
public sealed class WebhookDeliveryTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(3);

    [Test]
    public async Task EveryMessageCreatedEditedAndDeletedInAThousandWritesIsDeliveredSignedAndAFilterGetsOnlyItsTypes()
    {
        await using var api = new ApiFactory();
        await using var worker = await WorkerHost.StartAsync(WebhookApp.FastWorker);
        await using var all = await WebhookReceiver.StartAsync();
        await using var deletions = await WebhookReceiver.StartAsync();
        var app = await WebhookApp.CreateAsync(api.CreateClient());
        await app.RegisterAsync(all);
        await app.RegisterAsync(deletions, "message.deleted");

        var chat = await app.ChatAsync();
        await app.PostMessagesAsync(chat, 600);
        await Parallel.ForEachAsync(Enumerable.Range(1, 250), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (n, _) => await app.EditAsync(chat, n));
        await Parallel.ForEachAsync(Enumerable.Range(451, 150), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (n, _) => await app.DeleteAsync(chat, n));

        var expected = Enumerable.Range(1, 600).Select(n => ("message.created", n))
            .Concat(Enumerable.Range(1, 250).Select(n => ("message.updated", n)))
            .Concat(Enumerable.Range(451, 150).Select(n => ("message.deleted", n))).ToHashSet();
        Assert.That(await Eventually.HoldsAsync(() => Task.FromResult(MessageEvents(all).IsSupersetOf(expected)), Patience), Is.True,
            $"every message write delivered ({MessageEvents(all).Intersect(expected).Count()} of {expected.Count})");
        Assert.That(all.Delivered().Values.Count(r => r.Type == "chat.created"), Is.EqualTo(1));
        Assert.That(all.Requests.All(r => r.Verified), Is.True, "every signature verifies with the StandardWebhooks library");
        Assert.That(all.Delivered().Values.Select(r => r.WebhookId).Distinct().Count(), Is.EqualTo(all.Delivered().Count), "one webhook-id per event");

        Assert.That(await Eventually.HoldsAsync(() => Task.FromResult(deletions.Delivered().Count >= 150), Patience), Is.True);
        Assert.That(deletions.Requests.Select(r => r.Type).Distinct(), Is.EqualTo(new[] { "message.deleted" }), "the filter delivers only its types");
        Assert.That(deletions.Delivered().Values.Select(r => r.Number!.Value).Order(), Is.EqualTo(Enumerable.Range(451, 150)));
        Assert.That(deletions.Requests.All(r => r.Verified), Is.True);
    }

    [Test]
    public async Task ReactionChangesAreDeliveredToAWebhookThatAsksForThem()
    {
        await using var api = new ApiFactory();
        await using var worker = await WorkerHost.StartAsync(WebhookApp.FastWorker);
        await using var receiver = await WebhookReceiver.StartAsync();
        var app = await WebhookApp.CreateAsync(api.CreateClient());
        await app.RegisterAsync(receiver, "reaction.added", "reaction.removed");
        var chat = await app.ChatAsync();
        await app.PostMessagesAsync(chat, 2);
        foreach (var (method, number) in new[] { (HttpMethod.Put, 1), (HttpMethod.Put, 2), (HttpMethod.Delete, 1) })
            await (await app.Client.SendAsAsync(app.Secret, method, $"/applications/{app.Token}/chats/{chat}/messages/{number}/reactions/%F0%9F%91%8D?user=alice"))
                .ShouldBeAsync(HttpStatusCode.OK);

        Assert.That(await Eventually.HoldsAsync(() => Task.FromResult(receiver.Delivered().Count >= 3), Patience), Is.True);
        Assert.That(receiver.Delivered().Values.OrderBy(r => r.Seq).Select(r => (r.Type, r.Number)),
            Is.EqualTo(new[] { ("reaction.added", (int?)1), ("reaction.added", 2), ("reaction.removed", 1) }), "only the types asked for, in order");
        Assert.That(receiver.Delivered().Values.All(r => r.Body.Contains("\"reaction\"") && r.Verified), Is.True);
    }

    [Test]
    public async Task AReceiverAnswering500AtFirstGetsEveryEventWithTheSameWebhookIdAndBody()
    {
        await using var api = new ApiFactory();
        await using var worker = await WorkerHost.StartAsync(WebhookApp.FastWorker);
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = (_, seen) => (seen < 3 ? 500 : 200, TimeSpan.Zero);
        var app = await WebhookApp.CreateAsync(api.CreateClient());
        var hook = await app.RegisterAsync(receiver, "message.created");
        await app.PostMessagesAsync(await app.ChatAsync(), 20);

        Assert.That(await Eventually.HoldsAsync(() => Task.FromResult(receiver.Delivered().Count == 20), Patience), Is.True,
            $"every event delivered once the receiver answers ({receiver.Delivered().Count} of 20)");
        foreach (var attempts in receiver.Requests.GroupBy(r => r.WebhookId))
        {
            Assert.That(attempts.Count(), Is.GreaterThanOrEqualTo(4), "three 500s, then a 200");
            Assert.That(attempts.Select(a => a.Body).Distinct().Count(), Is.EqualTo(1), "the same body on every attempt");
            Assert.That(attempts.Select(a => a.Seq).Distinct().Count(), Is.EqualTo(1), "one webhook-id is one event");
        }
        Assert.That(receiver.Requests.All(r => r.Verified), Is.True);

        List<System.Text.Json.JsonElement> log = [];
        Assert.That(await Eventually.HoldsAsync(async () => (log = await app.DeliveriesAsync(hook, "delivered")).Count == 20, Patience), Is.True);
        Assert.That(log.Select(l => l.GetProperty("attempts").GetInt32()), Is.All.GreaterThanOrEqualTo(4));
        Assert.That(log.Select(l => l.GetProperty("last_status").GetInt32()), Is.All.EqualTo(200));
    }

    [Test]
    public async Task AWorkerThatMayNotReachPrivateAddressesChecksWhereItConnectsNotOnlyWhatWasRegistered()
    {
        // Registered where private targets are allowed (the API here); delivered by a worker where they are not, as a
        // name that resolved to a public address at registration and to 127.0.0.1 later (DNS rebinding) would be.
        await using var api = new ApiFactory();
        await using var worker = await WorkerHost.StartAsync(new Dictionary<string, string?>(WebhookApp.FastWorker) { ["Webhooks:AllowPrivateTargets"] = "false" });
        await using var receiver = await WebhookReceiver.StartAsync();
        var app = await WebhookApp.CreateAsync(api.CreateClient());
        var hook = await app.RegisterAsync(receiver, "message.created");
        await app.PostMessagesAsync(await app.ChatAsync(), 1);

        List<System.Text.Json.JsonElement> log = [];
        Assert.That(await Eventually.HoldsAsync(async () => (log = await app.DeliveriesAsync(hook, "retrying")).Count == 1, Patience), Is.True,
            "the delivery was tried and is waiting for a retry");
        Assert.That(log[0].GetProperty("last_error").GetString(), Does.Contain("resolves to no public address"));
        Assert.That(receiver.Requests, Is.Empty, "no request reached the loopback receiver");
    }

    [Test]
    public async Task AReceiverThatKeepsUpGetsEveryEventStraightFromTheFanOutAndAFailingOnesEventsWaitOnTheBroker()
    {
        await using var api = new ApiFactory();
        await using var worker = await WorkerHost.StartAsync(WebhookApp.FastWorker);
        await using var receiver = await WebhookReceiver.StartAsync();
        var app = await WebhookApp.CreateAsync(api.CreateClient());
        await app.RegisterAsync(receiver, "message.created");
        var chat = await app.ChatAsync();

        var queued = 0L;
        using var meter = new MeterListener
        {
            InstrumentPublished = (instrument, listener) => { if (instrument.Name == "chat.webhooks.queued") listener.EnableMeasurementEvents(instrument); },
        };
        meter.SetMeasurementEventCallback<long>((_, value, _, _) => Interlocked.Add(ref queued, value));
        meter.Start();

        await app.PostMessagesAsync(chat, 40);
        Assert.That(await Eventually.HoldsAsync(() => Task.FromResult(receiver.Delivered().Count == 40), Patience), Is.True);
        Assert.That(Interlocked.Read(ref queued), Is.Zero, "no delivery to a receiver that keeps up goes through the queue");

        // Failing now: after its first failed attempts, the rest of its events are queued rather than tried one by one.
        receiver.Answer = (_, _) => (500, TimeSpan.Zero);
        await app.PostMessagesAsync(chat, 40, from: 41);
        Assert.That(await Eventually.HoldsAsync(() => Task.FromResult(Interlocked.Read(ref queued) > 0), Patience), Is.True,
            "a failing receiver's deliveries wait on the broker");
        receiver.Answer = (_, _) => (200, TimeSpan.Zero);
        Assert.That(await Eventually.HoldsAsync(() => Task.FromResult(receiver.Delivered().Count == 80), Patience), Is.True,
            $"every event delivered once it answers again ({receiver.Delivered().Count} of 80)");
        Assert.That(receiver.Requests.All(r => r.Verified), Is.True);
    }

    [Test]
    public async Task AReceiverThatTimesOutIsRetriedUntilItAnswers()
    {
        await using var api = new ApiFactory();
        await using var worker = await WorkerHost.StartAsync(WebhookApp.FastWorker);
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = (_, seen) => (200, seen == 0 ? TimeSpan.FromSeconds(4) : TimeSpan.Zero); // the worker waits 1 s
        var app = await WebhookApp.CreateAsync(api.CreateClient());
        var hook = await app.RegisterAsync(receiver, "message.created");
        await app.PostMessagesAsync(await app.ChatAsync(), 8);

        Assert.That(await Eventually.HoldsAsync(async () => (await app.DeliveriesAsync(hook, "delivered")).Count == 8, Patience), Is.True);
        Assert.That(receiver.Requests.GroupBy(r => r.WebhookId).Select(g => g.Count()), Is.All.GreaterThanOrEqualTo(2), "the first attempt timed out");
        Assert.That(receiver.Requests.All(r => r.Verified), Is.True);
    }

    [Test]
    public async Task AReceiverDownForAWhileGetsEveryEventOnceItIsUp()
    {
        await using var api = new ApiFactory();
        await using var worker = await WorkerHost.StartAsync(WebhookApp.FastWorker);
        var port = WebhookReceiver.FreePort();
        var app = await WebhookApp.CreateAsync(api.CreateClient());
        var created = await (await app.Client.SendAsAsync(app.Secret, HttpMethod.Post, app.Url,
            new { url = $"http://127.0.0.1:{port}/hooks", events = new[] { "message.created" } })).ShouldBeAsync(HttpStatusCode.Created);
        var hook = created.GetProperty("id").GetString()!;
        await app.PostMessagesAsync(await app.ChatAsync(), 20);

        // Nothing listens: the log shows attempts that wait for their next one.
        Assert.That(await Eventually.HoldsAsync(async () => (await app.DeliveriesAsync(hook, "retrying")).Count == 20, Patience), Is.True);
        var waiting = await app.DeliveriesAsync(hook, "retrying");
        Assert.That(waiting.Select(l => l.GetProperty("next_attempt_at").GetDateTime()), Is.All.GreaterThan(DateTime.UtcNow.AddMinutes(-1)));
        Assert.That(waiting.Select(l => l.GetProperty("last_status").ValueKind), Is.All.EqualTo(System.Text.Json.JsonValueKind.Null), "no answer");

        await using var receiver = await WebhookReceiver.StartAsync(port);
        receiver.Trust(created.GetProperty("signing_secret").GetString()!);
        Assert.That(await Eventually.HoldsAsync(() => Task.FromResult(receiver.Delivered().Count == 20), Patience), Is.True,
            $"every event delivered once the receiver is up ({receiver.Delivered().Count} of 20)");
        Assert.That(receiver.Requests.All(r => r.Verified), Is.True);
        Assert.That(await Eventually.HoldsAsync(async () => (await app.DeliveriesAsync(hook, "delivered")).Count == 20, Patience), Is.True);
    }

    [Test]
    public async Task AReceiverAnswering410DisablesItsWebhook()
    {
        await using var api = new ApiFactory();
        await using var worker = await WorkerHost.StartAsync(WebhookApp.FastWorker);
        await using var gone = await WebhookReceiver.StartAsync();
        await using var witness = await WebhookReceiver.StartAsync();
        gone.Answer = (_, _) => (410, TimeSpan.Zero);
        var app = await WebhookApp.CreateAsync(api.CreateClient());
        var hook = await app.RegisterAsync(gone, "message.created");
        await app.RegisterAsync(witness, "message.created");
        var chat = await app.ChatAsync();
        await app.PostMessagesAsync(chat, 3);

        Assert.That(await Eventually.HoldsAsync(async () =>
            (await app.GetAsync(hook)).TryGetProperty("disabled_at", out var at) && at.ValueKind == System.Text.Json.JsonValueKind.String, Patience), Is.True);
        Assert.That(await Eventually.HoldsAsync(() => Task.FromResult(witness.Delivered().Count == 3), Patience), Is.True);
        var before = gone.Requests.Count;
        Assert.That(before, Is.InRange(1, 3), "no retry after a 410");

        await app.PostMessagesAsync(chat, 5, from: 4);
        Assert.That(await Eventually.HoldsAsync(() => Task.FromResult(witness.Delivered().Count == 8), Patience), Is.True);
        Assert.That(gone.Requests.Count, Is.EqualTo(before), "a disabled webhook receives nothing more");
        Assert.That((await app.Client.SendAsAsync(app.Secret, HttpMethod.Post, $"{app.Url}/{hook}/replay", new { after_seq = 0 })).StatusCode,
            Is.EqualTo(HttpStatusCode.Conflict));
    }

    [Test]
    public async Task AReplayRedeliversEveryEventAfterAPosition()
    {
        await using var api = new ApiFactory();
        await using var worker = await WorkerHost.StartAsync(WebhookApp.FastWorker);
        await using var receiver = await WebhookReceiver.StartAsync();
        var app = await WebhookApp.CreateAsync(api.CreateClient());
        var hook = await app.RegisterAsync(receiver);
        await app.PostMessagesAsync(await app.ChatAsync(), 12);
        Assert.That(await Eventually.HoldsAsync(() => Task.FromResult(receiver.Delivered().Count == 13), Patience), Is.True, "a chat and 12 messages");
        // Replay asks the persisted feed: wait until the deliveries were logged, i.e. everything is settled.
        Assert.That(await Eventually.HoldsAsync(async () => (await app.DeliveriesAsync(hook, "delivered")).Count == 13, Patience), Is.True);

        var seqs = receiver.Delivered().Keys.Order().ToList();
        var after = seqs[5];
        var first = receiver.Requests.ToList();
        var replay = await (await app.Client.SendAsAsync(app.Secret, HttpMethod.Post, $"{app.Url}/{hook}/replay", new { after_seq = after }))
            .ShouldBeAsync(HttpStatusCode.Accepted);
        Assert.That(replay.GetProperty("until_seq").GetInt64(), Is.EqualTo(seqs[^1]));

        var replayed = seqs.Where(s => s > after).ToList();
        Assert.That(await Eventually.HoldsAsync(() => Task.FromResult(
            replayed.All(s => receiver.Requests.Count(r => r.Seq == s) >= 2)), Patience), Is.True, "every event after the position again");
        var again = receiver.Requests.Skip(first.Count).ToList();
        Assert.That(again.Select(r => r.Seq), Is.All.GreaterThan(after), "nothing at or before the position");
        foreach (var r in again)
            Assert.That(r.WebhookId, Is.EqualTo(first.First(f => f.Seq == r.Seq).WebhookId), "the same webhook-id as the first delivery");
        Assert.That(again.All(r => r.Verified), Is.True);
    }

    [Test]
    public async Task AWorkerKilledMidDeliveryLosesNothing()
    {
        await using var api = new ApiFactory();
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = (_, _) => (200, TimeSpan.FromMilliseconds(150));
        var app = await WebhookApp.CreateAsync(api.CreateClient());
        await app.RegisterAsync(receiver, "message.created");

        // A real worker process, killed with SIGKILL while it waits for answers: whatever it had not acknowledged is
        // still on the broker, and an answer it never heard is no delivery (the receiver counts it so).
        using (var first = WorkerProcess.Start(WebhookApp.FastWorker))
        {
            await app.PostMessagesAsync(await app.ChatAsync(), 80);
            Assert.That(await Eventually.HoldsAsync(() => Task.FromResult(receiver.Requests.Count >= 5), Patience), Is.True);
            await first.KillAsync();
        }
        Assert.That(receiver.Delivered().Count, Is.LessThan(80), "killed before it was done");

        using var second = WorkerProcess.Start(WebhookApp.FastWorker);
        Assert.That(await Eventually.HoldsAsync(() => Task.FromResult(receiver.Delivered().Count == 80), Patience), Is.True,
            $"every event delivered ({receiver.Delivered().Count} of 80; {receiver.Unheard.Count} answers unheard at the kill)");
        Assert.That(receiver.Requests.All(r => r.Verified), Is.True, "every signature verifies, before the kill and after");
        Assert.That(receiver.Requests.GroupBy(r => r.Seq).Where(g => g.Select(r => r.WebhookId).Distinct().Count() > 1).Select(g => g.Key), Is.Empty,
            "an event sent again after the kill keeps its webhook-id");
    }

    [Test]
    public async Task ADeliveryIsRecordedAsFailedAfterRetryFor()
    {
        await using var api = new ApiFactory();
        await using var worker = await WorkerHost.StartAsync(new Dictionary<string, string?>(WebhookApp.FastWorker) { ["Webhooks:RetryFor"] = "00:00:03" });
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.Answer = (_, _) => (503, TimeSpan.Zero);
        var app = await WebhookApp.CreateAsync(api.CreateClient());
        var hook = await app.RegisterAsync(receiver, "message.created");
        await app.PostMessagesAsync(await app.ChatAsync(), 2);

        List<System.Text.Json.JsonElement> failed = [];
        Assert.That(await Eventually.HoldsAsync(async () => (failed = await app.DeliveriesAsync(hook, "failed")).Count == 2, Patience), Is.True);
        Assert.That(failed.Select(l => l.GetProperty("last_status").GetInt32()), Is.All.EqualTo(503));
        Assert.That(failed.Select(l => l.GetProperty("attempts").GetInt32()), Is.All.GreaterThanOrEqualTo(3), "retried with back-off meanwhile");
        Assert.That(failed.Select(l => l.GetProperty("next_attempt_at").ValueKind), Is.All.EqualTo(System.Text.Json.JsonValueKind.Null));
    }

    private static HashSet<(string, int)> MessageEvents(WebhookReceiver receiver) =>
        receiver.Delivered().Values.Where(r => r.Number is not null).Select(r => (r.Type, r.Number!.Value)).ToHashSet();
}
