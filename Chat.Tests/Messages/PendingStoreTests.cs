using Chat.Contracts;
using Chat.Domain.Pipeline;
using StackExchange.Redis;

namespace Chat.Tests.Messages;

/// <summary>The pending set's put, take-back and release against a real Redis: what a refused change may and may not undo.</summary>
public sealed class PendingStoreTests
{
    private ConnectionMultiplexer _redis = null!;
    private PendingStore _store = null!;

    [OneTimeSetUp]
    public async Task Connect()
    {
        _redis = await ConnectionMultiplexer.ConnectAsync(TestServices.Redis);
        _store = new PendingStore(_redis.GetDatabase());
    }

    [OneTimeTearDown]
    public async Task Disconnect() => await _redis.DisposeAsync();

    private static readonly DateTime T0 = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>An application id no test database hands out, so the keys are this test's alone.</summary>
    private static long NewApplication() => Random.Shared.NextInt64(1L << 40, 1L << 50);

    /// <summary>Without a change-feed entry: the store's own rules are what is tested here (FeedTests has the feed).</summary>
    private static Write Message(long app, int number, string body, int seconds, Write? basedOn = null) =>
        Kinds.Message.Write(new MessageState(app, 1, number, Guid.Empty, body, null, null, T0, T0.AddSeconds(seconds), null),
            basedOn?.StateAs<MessageState>()) with { Event = null };

    private async Task<PendingStore.Put> PutAsync(Write write) => (await _store.PutAsync([write]))!.Puts.Single();

    private Task<MessageState?> GetAsync(long app, int number) => _store.GetAsync(Kinds.Message, new Scope(app, 1), $"{number}");

    private async Task<string[]> OutboxOf(long app) =>
        (await _redis.GetDatabase().SortedSetRangeByRankAsync(RedisKeys.Outbox(app))).Select(e => e.ToString()).ToArray();

    [Test]
    public async Task TakingBackAnEditRestoresTheStateItReplaced()
    {
        var app = NewApplication();
        var created = Message(app, 1, "created", 0);
        await PutAsync(created);
        var edit = await PutAsync(Message(app, 1, "edited", 1, basedOn: created));

        await _store.TakeBackAsync([edit], T0);

        Assert.That((await GetAsync(app, 1))!.Body, Is.EqualTo("created"));
        Assert.That(await OutboxOf(app), Is.EqualTo(new[] { $"m|{Versions.Of(T0)}|1|1" }),
            "the outbox keeps the create, whose command is out, and drops the refused edit");
    }

    [Test]
    public async Task TakingBackACreateRemovesIt()
    {
        var app = NewApplication();
        var created = await PutAsync(Message(app, 1, "created", 0));

        await _store.TakeBackAsync([created], T0);

        Assert.That(await GetAsync(app, 1), Is.Null);
        Assert.That(await _store.RangeAsync<MessageState>(RedisKeys.PendingMessages(app, 1), 1, 10, descending: false, 10), Is.Empty,
            "gone from the index too");
        Assert.That(await OutboxOf(app), Is.Empty, "and from the outbox");
    }

    [Test]
    public async Task ANewerStateIsNeitherReplacedNorTakenBack()
    {
        var app = NewApplication();
        var first = Message(app, 1, "first", 1);
        var older = await PutAsync(first);
        await PutAsync(Message(app, 1, "newer", 2, basedOn: first));

        Assert.That((await PutAsync(Message(app, 1, "late", 0))).Stored, Is.False, "an older state stores nothing");
        await _store.TakeBackAsync([older], T0);

        Assert.That((await GetAsync(app, 1))!.Body, Is.EqualTo("newer"));
    }

    [Test]
    public async Task ReleasingPersistedVersionsEmptiesTheOutboxOfThemAndKeepsANewerOne()
    {
        var app = NewApplication();
        var (one, two) = (Message(app, 1, "one", 0), Message(app, 2, "two", 0));
        await PutAsync(one);
        await PutAsync(two);
        await PutAsync(Message(app, 2, "two, edited", 1, basedOn: two));
        Assert.That(await OutboxOf(app), Has.Length.EqualTo(3), "each accepted version is listed");
        Assert.That(await _redis.GetDatabase().SortedSetScoreAsync(RedisKeys.OutboxApplications, app),
            Is.EqualTo(Versions.Of(T0)), "the application is listed under its oldest entry");

        await _store.ReleaseAsync([one, two]);

        Assert.That(await OutboxOf(app), Is.EqualTo(new[] { $"m|{Versions.Of(T0.AddSeconds(1))}|1|2" }),
            "only the edit, not persisted yet, is left");
        Assert.That((await GetAsync(app, 2))!.Body, Is.EqualTo("two, edited"));
        Assert.That(await GetAsync(app, 1), Is.Null);
    }
}
