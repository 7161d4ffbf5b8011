using Chat.Contracts;
using System.Net;
using System.Net.Http.Json;
using Chat.Domain.Pipeline;
using Chat.Tests.Infrastructure;
using Chat.Tests.Members;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Chat.Tests.Reliability;

/// <summary>
/// The outbox sweeper (docs/decisions/0009): what was acknowledged reaches MySQL even when its command does not reach
/// the worker, and the sweeper publishes nothing that is not owed.
/// </summary>
public sealed class OutboxTests
{
    /// <summary>Entries are due after two seconds, and looked at five times a second.</summary>
    private static readonly Dictionary<string, string?> QuickSweeps = new() { ["Outbox:Age"] = "00:00:02", ["Outbox:Interval"] = "00:00:00.2" };

    [Test]
    public async Task AcknowledgedChangesWhoseCommandsTheBrokerLostArePersistedFromTheOutbox()
    {
        await using var api = new ApiFactory();
        var client = api.CreateClient();
        var token = await api.CreateApplicationAsync();
        var chat = await client.CreateChatAsync(token, new { name = "team", members = new[] { "alice", "bob" } });
        for (var i = 1; i <= 50; i++) await client.PostMessageAsync(token, chat, $"message {i}");
        await (await client.PatchAsJsonAsync($"/applications/{token}/chats/{chat}/messages/7", new { body = "edited" })).ShouldBeAsync(HttpStatusCode.OK);
        await (await client.DeleteAsync($"/applications/{token}/chats/{chat}/messages/8")).ShouldBeAsync(HttpStatusCode.NoContent);
        await (await client.PostAsJsonAsync($"/applications/{token}/chats/{chat}/members", new { users = new[] { "carol" } })).ShouldBeAsync(HttpStatusCode.OK);

        // Every one of those was confirmed by the broker. Now the broker loses them all.
        Assert.That(await PurgeCommandsAsync(), Is.GreaterThanOrEqualTo(54), "the commands were queued");

        await using var worker = await WorkerHost.StartAsync(QuickSweeps);
        Assert.That(await Eventually.HoldsAsync(async () => (await Database.MessagesAsync(token, includeDeleted: true)).Count == 50,
            TimeSpan.FromSeconds(30)), "every message is persisted");
        Assert.That(await Database.MessagesAsync(token), Has.Count.EqualTo(49).And.Exactly(1).Matches<(int, int Number, string Body)>(m => m == (chat, 7, "edited")),
            "as last accepted: one edited, one deleted");
        Assert.That(await Eventually.HoldsAsync(async () => (await MemberRows.OfAsync(token)).Count == 3),
            "the members given at creation and the one added later are persisted");

        var app = await MemberRows.ApplicationIdAsync(token);
        var redis = await MemberRows.RedisAsync();
        Assert.That(await Eventually.HoldsAsync(async () => await redis.SortedSetLengthAsync(RedisKeys.Outbox(app)) == 0), "nothing is owed any more");
        Assert.That(await Eventually.HoldsAsync(async () => await redis.SortedSetScoreAsync(RedisKeys.OutboxApplications, app) is null),
            "and the application is no longer listed");
        var republished = worker.Logs.Entries.Where(e => e.Message.StartsWith("Outbox: re-published") && e.Message.Contains($"of application {app},"))
            .Select(e => e.Message.Split(' ')[2]).Distinct().ToList();
        Assert.That(republished.Where(line => !line.StartsWith($"{Kinds.FeedEvent.Code}|")).ToList(), Has.Count.EqualTo(1 + 50 + 3),
            "one chat, 50 messages (their last states only), 3 members");
        Assert.That(republished.Count(line => line.StartsWith($"{Kinds.FeedEvent.Code}|")), Is.EqualTo(1 + 2 + 50 + 1 + 1 + 1),
            "and every change's feed entry: the chat, its 2 members, 50 messages, the edit, the deletion, the member added");
        Assert.That(await Database.ScalarAsync<long>("SELECT COUNT(*) FROM feed WHERE application_id = @a", ("@a", app)), Is.EqualTo(56),
            "written to the feed table");
    }

    [Test]
    public async Task WhatIsNotOwedIsDroppedAndWhatNeverPersistsIsGivenUp()
    {
        await using var api = new ApiFactory();
        var token = await api.CreateApplicationAsync();
        var gone = await api.CreateApplicationAsync();
        var (app, goneApp) = (await MemberRows.ApplicationIdAsync(token), await MemberRows.ApplicationIdAsync(gone));
        var redis = await MemberRows.RedisAsync();
        var pending = new PendingStore(redis);
        var old = DateTime.UtcNow.AddMinutes(-5);

        // A message of a chat that never existed: its command ends in the dead-letter queue every time.
        await pending.PutAsync([Kinds.Message.Write(Message(app, 99, old)) with { Event = null }]);
        // An entry whose version is not pending (as after a Redis restart from an older snapshot).
        var stale = Kinds.Message.Write(Message(app, 3, old)).Line.ToString();
        await redis.SortedSetAddAsync(RedisKeys.Outbox(app), stale, Versions.Of(old));
        // A message of a chat deleted before either was persisted: done with its chat, nothing owed.
        var client = api.CreateClient();
        var deletedChat = await client.CreateChatAsync(token, new { });
        await client.PostMessageAsync(token, deletedChat, "gone with its chat");
        await (await client.DeleteAsync($"/applications/{token}/chats/{deletedChat}")).ShouldBeAsync(HttpStatusCode.NoContent);
        // Something of an application deleted since.
        await pending.PutAsync([Kinds.Message.Write(Message(goneApp, 1, old)) with { Event = null }]);
        await (await api.CreateClient().DeleteAsync($"/applications/{gone}")).ShouldBeAsync(HttpStatusCode.NoContent);

        await using var worker = await WorkerHost.StartAsync(new Dictionary<string, string?>(QuickSweeps)
        {
            ["Outbox:MaxTries"] = "2", ["Worker:MaxWaits"] = "1",
        });
        Assert.That(await Eventually.HoldsAsync(async () => await redis.SortedSetLengthAsync(RedisKeys.Outbox(app)) == 0, TimeSpan.FromSeconds(30)),
            "the outbox empties");
        var logs = worker.Logs.Entries.Where(e => e.Message.Contains($"of application {app},")).ToList();
        Assert.That(logs.Count(e => e.Message.Contains(stale)), Is.Zero, "the stale entry is dropped without being published");
        var never = Kinds.Message.Write(Message(app, 99, old)).Line.ToString();
        Assert.That(logs.Where(e => e.Message.Contains(never)).Select(e => (e.Level, e.Message.Split(' ')[1])),
            Is.EqualTo(new[] { (LogLevel.Warning, "re-published"), (LogLevel.Warning, "re-published"), (LogLevel.Error, "gave") }),
            "published MaxTries times, then given up with an error");
        Assert.That(await redis.HashLengthAsync(RedisKeys.PendingMessages(app, deletedChat)), Is.Zero,
            "the message of the deleted chat is released, not left pending");
        Assert.That(await Eventually.HoldsAsync(async () => !await redis.KeyExistsAsync(RedisKeys.Outbox(goneApp))),
            "a deleted application's outbox is forgotten");
        Assert.That(worker.Logs.Entries.Count(e => e.Message.Contains($"of application {goneApp},")), Is.Zero, "without publishing any of it");
    }

    private static MessageState Message(long app, int chat, DateTime at) => new(app, chat, 1, Guid.NewGuid(), "lost", null, null, at, at, null);

    private static async Task<uint> PurgeCommandsAsync()
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(TestServices.RabbitMq) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        return await channel.QueuePurgeAsync(QueueNames.Commands);
    }
}
