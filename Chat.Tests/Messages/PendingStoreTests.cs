using Chat.Domain.Messaging;
using Chat.Domain.Pending;
using Chat.Domain.Redis;
using StackExchange.Redis;

namespace Chat.Tests.Messages;

/// <summary>The pending set's put and take-back against a real Redis: what a refused change may and may not undo.</summary>
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

    private static MessageState Message(string body, int seconds) => new(1, 1, 1, Guid.Empty, body, null, null, T0, T0.AddSeconds(seconds), null);

    /// <summary>A chat of an application id no test database hands out, so the keys are this test's alone.</summary>
    private static PendingScope NewScope() => PendingScope.Messages(Random.Shared.NextInt64(1L << 40, 1L << 50), 1);

    private async Task<string[]> OutboxOf(PendingScope scope) =>
        (await _redis.GetDatabase().SortedSetRangeByRankAsync(RedisKeys.Outbox(scope.ApplicationId))).Select(e => e.ToString()).ToArray();

    [Test]
    public async Task TakingBackAnEditRestoresTheStateItReplaced()
    {
        var scope = NewScope();
        await _store.PutAsync(scope, 1, Message("created", 0), T0, deleted: false);
        var edit = await _store.PutAsync(scope, 1, Message("edited", 1), T0.AddSeconds(1), deleted: false);

        await _store.TakeBackAsync(edit!);

        Assert.That((await _store.GetAsync<MessageState>(scope, 1))!.State.Body, Is.EqualTo("created"));
        Assert.That(await OutboxOf(scope), Is.EqualTo(new[] { $"m|{PendingStore.Version(T0)}|1|1" }),
            "the outbox keeps the create, whose command is out, and drops the refused edit");
    }

    [Test]
    public async Task TakingBackACreateRemovesIt()
    {
        var scope = NewScope();
        var created = await _store.PutAsync(scope, 1, Message("created", 0), T0, deleted: false);

        await _store.TakeBackAsync(created!);

        Assert.That(await _store.GetAsync<MessageState>(scope, 1), Is.Null);
        Assert.That(await _store.RangeAsync<MessageState>(scope, 1, 10, descending: false, 10), Is.Empty, "gone from the index too");
        Assert.That(await OutboxOf(scope), Is.Empty, "and from the outbox");
    }

    [Test]
    public async Task ANewerStateIsNeitherReplacedNorTakenBack()
    {
        var scope = NewScope();
        var older = await _store.PutAsync(scope, 1, Message("first", 1), T0.AddSeconds(1), deleted: false);
        await _store.PutAsync(scope, 1, Message("newer", 2), T0.AddSeconds(2), deleted: false);

        Assert.That(await _store.PutAsync(scope, 1, Message("late", 0), T0, deleted: false), Is.Null, "an older state stores nothing");
        await _store.TakeBackAsync(older!);

        Assert.That((await _store.GetAsync<MessageState>(scope, 1))!.State.Body, Is.EqualTo("newer"));
    }

    [Test]
    public async Task ReleasingPersistedVersionsEmptiesTheOutboxOfThemAndKeepsANewerOne()
    {
        var scope = NewScope();
        await _store.PutAsync(scope, 1, Message("one", 0), T0, deleted: false);
        await _store.PutAsync(scope, 2, Message("two", 0), T0, deleted: false);
        await _store.PutAsync(scope, 2, Message("two, edited", 1), T0.AddSeconds(1), deleted: false);
        Assert.That(await OutboxOf(scope), Has.Length.EqualTo(3), "each accepted version is listed");
        Assert.That(await _redis.GetDatabase().SortedSetScoreAsync(RedisKeys.OutboxApplications, scope.ApplicationId),
            Is.EqualTo(PendingStore.Version(T0)), "the application is listed under its oldest entry");

        await _store.RemoveIfUnchangedAsync(scope, [(1, T0), (2, T0)]);

        Assert.That(await OutboxOf(scope), Is.EqualTo(new[] { $"m|{PendingStore.Version(T0.AddSeconds(1))}|1|2" }),
            "only the edit, not persisted yet, is left");
        Assert.That((await _store.GetAsync<MessageState>(scope, 2))!.State.Body, Is.EqualTo("two, edited"));
        Assert.That(await _store.GetAsync<MessageState>(scope, 1), Is.Null);
    }
}
