using Chat.Domain;
using Chat.Domain.Counts;
using Chat.Worker.Jobs;
using Microsoft.Extensions.Hosting;
using MySqlConnector;

using Chat.Tests.Infrastructure;

namespace Chat.Tests.Counts;

/// <summary>The reconciliation job against the real MariaDB/MySQL and Redis, called the way Hangfire calls it.</summary>
public sealed class CountReconcilerTests
{
    private readonly CountsData _data = new();
    private CountsReplica _replica = null!;

    [SetUp]
    public void Start() => _replica = new CountsReplica();

    [TearDown]
    public void Stop() => _replica.Dispose();

    [Test]
    public async Task RunMakesBothCountsEqualToTheLiveRows()
    {
        var (app, _) = await _data.CreateApplicationAsync();
        var busy = await _data.CreateChatAsync(app, 1);
        var allDeleted = await _data.CreateChatAsync(app, 2, messagesCount: 7); // wrong from an earlier state
        var empty = await _data.CreateChatAsync(app, 3);
        var deletedChat = await _data.CreateChatAsync(app, 4);
        await _data.AddMessagesAsync(busy, live: 5, deleted: 2);
        await _data.AddMessagesAsync(allDeleted, live: 0, deleted: 3);
        await _data.AddMessagesAsync(deletedChat, live: 4);
        await _data.DeleteChatAsync(deletedChat);
        await _data.DeleteMessagesAsync(busy, 1);

        await _replica.Marks.MarkAsync([app], [busy, allDeleted, empty, deletedChat]);
        var run = await _replica.RunAsync();

        Assert.That(await _data.ChatsCountAsync(app), Is.EqualTo(3), "the deleted chat does not count");
        Assert.That(await _data.MessagesCountAsync(busy), Is.EqualTo(4), "5 live - 1 deleted later; 2 were deleted already");
        Assert.That(await _data.MessagesCountAsync(allDeleted), Is.Zero, "a chat whose messages are all deleted counts 0");
        Assert.That(await _data.MessagesCountAsync(empty), Is.Zero);
        Assert.That(run.RowsChanged, Is.GreaterThanOrEqualTo(4), "the application, busy, allDeleted and deletedChat changed");
    }

    [Test]
    public async Task SecondRunWithNoChangesUpdatesZeroRows()
    {
        var (app, _) = await _data.CreateApplicationAsync();
        var chat = await _data.CreateChatAsync(app, 1);
        await _data.AddMessagesAsync(chat, live: 3);
        await _replica.Marks.MarkAsync([app], [chat]);
        await _replica.RunAsync();

        var nothingMarked = await _replica.RunAsync();
        Assert.That(nothingMarked.RowsChanged, Is.Zero);
        Assert.That(nothingMarked.ChatsChecked + nothingMarked.ApplicationsChecked, Is.Zero, "no marks, nothing read");

        // Marked again although nothing changed (e.g. a redelivered batch): checked, but no row is written.
        var updatedAt = await _data.UpdatedAtAsync(chat);
        await _replica.Marks.MarkAsync([app], [chat]);
        var markedButRight = await _replica.RunAsync();
        Assert.That(markedButRight.ChatsChecked, Is.GreaterThanOrEqualTo(1));
        Assert.That(markedButRight.RowsChanged, Is.Zero);
        Assert.That(await _data.UpdatedAtAsync(chat), Is.EqualTo(updatedAt), "counting never touches updated_at (last writer wins)");
    }

    [Test]
    public async Task OnlyMarkedRowsAreRecounted()
    {
        var (app, _) = await _data.CreateApplicationAsync();
        var marked = await _data.CreateChatAsync(app, 1);
        var unmarked = await _data.CreateChatAsync(app, 2);
        await _data.AddMessagesAsync(marked, live: 2);
        await _data.AddMessagesAsync(unmarked, live: 2);

        await _replica.Marks.MarkAsync([], [marked]);
        await _replica.RunAsync();

        Assert.That(await _data.MessagesCountAsync(marked), Is.EqualTo(2));
        Assert.That(await _data.MessagesCountAsync(unmarked), Is.Zero, "no full-table recount");
        Assert.That(await _data.ChatsCountAsync(app), Is.Zero, "the application was not marked");
    }

    [Test]
    public async Task MarksArriveInManyChunks()
    {
        using var replica = new CountsReplica(("Counts:ChunkSize", "7"));
        var (app, _) = await _data.CreateApplicationAsync();
        var chats = new List<long>();
        for (var number = 1; number <= 30; number++)
        {
            var chat = await _data.CreateChatAsync(app, number);
            await _data.AddMessagesAsync(chat, live: number % 4);
            chats.Add(chat);
        }

        await replica.Marks.MarkAsync([app], chats);
        await replica.RunAsync();

        Assert.That(await _data.ChatsCountAsync(app), Is.EqualTo(30));
        for (var i = 0; i < chats.Count; i++)
            Assert.That(await _data.MessagesCountAsync(chats[i]), Is.EqualTo((i + 1) % 4), $"chat {i + 1}");
    }

    [Test]
    public async Task TwoRunsStartedAtOnceOnTwoReplicasDoNotOverlap()
    {
        using var other = new CountsReplica(("Counts:ChunkSize", "5"));
        using var replica = new CountsReplica(("Counts:ChunkSize", "5"));
        // Marks are shared by every test: those an earlier test left (its worker marked what it wrote) are reconciled
        // first, so that the runs below change this test's 100 chats only.
        await replica.RunAsync();
        var (app, _) = await _data.CreateApplicationAsync();
        var chats = new List<long>();
        for (var number = 1; number <= 100; number++)
        {
            var chat = await _data.CreateChatAsync(app, number);
            chats.Add(chat);
        }
        foreach (var chat in chats) await _data.AddMessagesAsync(chat, live: 1);
        await replica.Marks.MarkAsync([app], chats);

        var runs = await Task.WhenAll(Task.Run(replica.RunAsync), Task.Run(other.RunAsync));

        Assert.That(runs.Select(r => r.WasSkipped), Is.All.False, "the second waited for the first");
        var (first, second) = runs[0].StartedAt <= runs[1].StartedAt ? (runs[0], runs[1]) : (runs[1], runs[0]);
        Assert.That(second.StartedAt, Is.GreaterThanOrEqualTo(first.FinishedAt), "no interleaving");
        Assert.That(runs.Sum(r => r.ChatsChanged), Is.EqualTo(100), "each chat was fixed exactly once");
        Assert.That(await _data.MessagesCountAsync(chats[^1]), Is.EqualTo(1));
        Assert.That(await _data.ChatsCountAsync(app), Is.EqualTo(100));
    }

    [Test]
    public async Task RunThatFindsTheLockTakenSkipsAndKeepsTheMarks()
    {
        using var replica = new CountsReplica(("Counts:LockWait", "00:00:00.5"));
        var (app, _) = await _data.CreateApplicationAsync();
        var chat = await _data.CreateChatAsync(app, 1);
        await _data.AddMessagesAsync(chat, live: 2);
        await replica.Marks.MarkAsync([app], [chat]);

        Assert.That(await replica.Redis.LockTakeAsync(CountMarks.RunLock, "another replica", TimeSpan.FromSeconds(30)), Is.True);
        try
        {
            var skipped = await replica.RunAsync();
            Assert.That(skipped.WasSkipped, Is.True);
            Assert.That(await replica.Redis.SetContainsAsync(CountMarks.DirtyChats, chat), Is.True, "the mark waits");
            Assert.That(await _data.MessagesCountAsync(chat), Is.Zero);
        }
        finally
        {
            await replica.Redis.LockReleaseAsync(CountMarks.RunLock, "another replica");
        }

        await replica.RunAsync();
        Assert.That(await _data.MessagesCountAsync(chat), Is.EqualTo(2));
    }

    [Test]
    public async Task RunThatFailsMidwayLeavesTheRestOfTheMarksForTheNextRun()
    {
        using var replica = new CountsReplica(("Counts:ChunkSize", "2"));
        var (app, _) = await _data.CreateApplicationAsync();
        var chats = new List<long>();
        for (var number = 1; number <= 6; number++)
        {
            var chat = await _data.CreateChatAsync(app, number);
            await _data.AddMessagesAsync(chat, live: 1);
            chats.Add(chat);
        }
        await replica.Marks.MarkAsync([app], chats);

        // The database refuses to update the third chat: the second chunk's UPDATE fails, as a deadlock or a
        // lost connection would.
        var trigger = $"counts_poison_{chats[2]}";
        await _data.ExecuteAsync($"""
            CREATE TRIGGER {trigger} BEFORE UPDATE ON chats FOR EACH ROW
            IF NEW.id = {chats[2]} THEN SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected failure'; END IF
            """);
        try
        {
            Assert.ThrowsAsync<MySqlException>(replica.RunAsync, "the failure reaches Hangfire, which retries");
        }
        finally
        {
            await _data.ExecuteAsync($"DROP TRIGGER {trigger}");
        }

        Assert.That(await _data.MessagesCountAsync(chats[0]), Is.EqualTo(1), "the first chunk was done");
        Assert.That(await _data.MessagesCountAsync(chats[1]), Is.EqualTo(1));
        for (var i = 2; i < 6; i++)
        {
            Assert.That(await _data.MessagesCountAsync(chats[i]), Is.Zero, $"chat {i + 1} not yet");
            Assert.That(await replica.Redis.SetContainsAsync(CountMarks.DirtyChats, chats[i]), Is.True, $"chat {i + 1} is still marked");
        }
        Assert.That(await replica.Redis.SetContainsAsync(CountMarks.DirtyChats, chats[0]), Is.False, "done marks are forgotten");
        Assert.That(await replica.Redis.SetContainsAsync(CountMarks.DirtyApplications, app), Is.True, "the application is still marked");
        Assert.That(await replica.Redis.KeyExistsAsync(CountMarks.RunLock), Is.False, "the lock was released");

        var retry = await replica.RunAsync();
        Assert.That(retry.ChatsChanged, Is.GreaterThanOrEqualTo(4));
        foreach (var chat in chats) Assert.That(await _data.MessagesCountAsync(chat), Is.EqualTo(1));
        Assert.That(await _data.ChatsCountAsync(app), Is.EqualTo(6));
    }

    [Test]
    public async Task MarksLeftInProcessingByACrashedRunAreTakenByTheNextRun()
    {
        var (app, _) = await _data.CreateApplicationAsync();
        var chat = await _data.CreateChatAsync(app, 1);
        await _data.AddMessagesAsync(chat, live: 3);
        // A run that died (process killed) after taking the marks and before finishing them.
        await _replica.Redis.SetAddAsync(CountMarks.ProcessingChats, chat);
        await _replica.Redis.SetAddAsync(CountMarks.ProcessingApplications, app);

        await _replica.RunAsync();

        Assert.That(await _data.MessagesCountAsync(chat), Is.EqualTo(3));
        Assert.That(await _data.ChatsCountAsync(app), Is.EqualTo(1));
        Assert.That(await _replica.Redis.KeyExistsAsync(CountMarks.ProcessingChats), Is.False);
    }

    [Test]
    public async Task MarkingSendsNothingForEmptyLists()
    {
        await _replica.Marks.MarkAsync([], []);
        await _replica.Marks.MarkAsync([1, 1, 1], []);
        Assert.That(await _replica.Redis.SetContainsAsync(CountMarks.DirtyApplications, 1), Is.True);
        await _replica.RunAsync(); // application 1 may or may not exist here; either way nothing fails
    }

    [Test]
    public void WorkerWithAnInvalidCronFailsAtStartSayingWhy()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["Counts:Cron"] = "every ten minutes";
        builder.AddChatDomainForTests();
        builder.AddJobs();
        using var worker = builder.Build();

        var error = Assert.ThrowsAsync<InvalidOperationException>(() => worker.StartAsync());
        Assert.That(error!.Message, Does.Contain("Counts:Cron"));
    }
}
