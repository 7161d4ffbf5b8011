using System.Net.Http.Json;
using System.Text;
using Chat.Contracts;
using Chat.Domain.Search;
using Chat.Domain.Search.Indexing;
using Chat.Tests.Infrastructure;
using Chat.Tests.Search;
using Chat.Worker.DeadLetters;
using Chat.Worker.Search;
using Microsoft.Extensions.Configuration;
using RabbitMQ.Client;

namespace Chat.Tests.Reliability;

/// <summary>
/// <c>Chat.Worker replay-dead-letters</c>: once the cause is fixed, what a dead-letter queue holds goes back to its
/// work queue and is applied; a dry run only lists it.
/// </summary>
public sealed class DeadLetterReplayTests
{
    [Test]
    public async Task AMessageTheIndexRefusedIsIndexedOnceReplayedAfterTheFix()
    {
        using var elasticsearch = new FakeElasticsearch { RejectBodiesContaining = "refused-by-mapping" };
        var settings = new Dictionary<string, string?>
        {
            ["Search:Provider"] = "elasticsearch", ["Elasticsearch:Url"] = elasticsearch.Server.BaseAddress.ToString(),
        };
        await using var api = new ApiFactory(new Dictionary<string, string?> { ["Search:Provider"] = "database" });
        var host = new SearchTestHost(api);
        var token = await api.CreateApplicationAsync();
        var chat = await host.CreateChatAsync(token);
        var chatKey = SearchKeys.Chat(await Database.ScalarAsync<long>("SELECT id FROM applications WHERE token = @t", ("@t", token)), chat);
        await using var worker = await WorkerHost.StartAsync(settings);
        var kept = await host.PostAsync(token, chat, "an ordinary message");
        var refused = await host.PostAsync(token, chat, "a message refused-by-mapping");
        Assert.That(await Eventually.HoldsAsync(async () => await DeadCountAsync(IndexTopology.Dead) > 0), Is.True, "dead-lettered");

        elasticsearch.RejectBodiesContaining = null;
        var (dryExit, dryRun) = await ReplayAsync(settings, "--queue", IndexTopology.Dead, "--dry-run");
        var waiting = await DeadCountAsync(IndexTopology.Dead);
        var (exit, replay) = await ReplayAsync(settings, "--queue", IndexTopology.Dead);

        Assert.Multiple(async () =>
        {
            Assert.That(dryExit, Is.EqualTo(0), dryRun);
            Assert.That(dryRun, Does.Contain($"index {chatKey}:{refused}").And.Contain("mapper_parsing_exception"));
            Assert.That(dryRun, Does.Contain($"Dry run: {waiting} message(s) in chat.index.dead would move to chat.index; nothing moved."));
            Assert.That(waiting, Is.GreaterThan(0), "a dry run moves nothing");
            Assert.That(exit, Is.EqualTo(0), replay);
            Assert.That(replay, Does.Contain($"index {chatKey}:{refused}").And.Contain($"Moved {waiting} message(s) from chat.index.dead to chat.index."));
            Assert.That(await Eventually.HoldsAsync(() => Task.FromResult(elasticsearch.Stored(chatKey).Count == 2), TimeSpan.FromSeconds(30)),
                Is.True, "both messages are in the index now");
            Assert.That(elasticsearch.Stored(chatKey).Keys, Is.EquivalentTo(new[] { kept, refused }));
        });
    }

    [Test]
    public async Task ACommandInTheDeadLetterQueueIsPersistedOnceReplayed()
    {
        await using var api = new ApiFactory();
        var host = new SearchTestHost(api);
        var token = await api.CreateApplicationAsync();
        var chat = await host.CreateChatAsync(token);
        await using var worker = await WorkerHost.StartAsync();
        await WorkerHost.WaitForChatsAsync(token, 1);
        var application = await Database.ScalarAsync<long>("SELECT id FROM applications WHERE token = @t", ("@t", token));
        var now = DateTime.UtcNow;
        var command = new MessageChanged(Guid.NewGuid(), Change.Created,
            new MessageState(application, chat, 1, Guid.NewGuid(), "back from the dead", null, null, now, now, null));
        await PublishDeadAsync(CommandJson.Serialize(command), command.CommandId.ToString(), "Chat 1 was not persisted after 5 waits.");

        var (exit, replay) = await ReplayAsync(new Dictionary<string, string?>(), "--queue", QueueNames.Dead);
        var (usageExit, usage) = await ReplayAsync(new Dictionary<string, string?>(), "--queue", "chat.commands");

        Assert.Multiple(async () =>
        {
            Assert.That(exit, Is.EqualTo(0), replay);
            Assert.That(replay, Does.Contain($"MessageChanged {command.CommandId} | reason: Chat 1 was not persisted after 5 waits."));
            Assert.That(await WorkerHost.WaitForMessagesAsync(token, 1), Is.EqualTo(1), "persisted by the worker");
            Assert.That((await Database.MessagesAsync(token)).Single().Body, Is.EqualTo("back from the dead"));
            Assert.That(usageExit, Is.EqualTo(2));
            Assert.That(usage, Does.StartWith("Usage: Chat.Worker replay-dead-letters"));
        });
    }

    private static async Task<(int ExitCode, string Output)> ReplayAsync(IReadOnlyDictionary<string, string?> settings, params string[] args)
    {
        using var output = new StringWriter();
        var exitCode = await DeadLetterReplay.RunAsync(args, output, builder =>
        {
            builder.Configuration.AddInMemoryCollection(settings);
            ManyHosts.Tolerate(builder.Services);
        });
        return (exitCode, output.ToString());
    }

    /// <summary>Messages in the queue; 0 while the worker has not declared it yet (it does once its consumer starts).</summary>
    private static async Task<uint> DeadCountAsync(string queue)
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(TestServices.RabbitMq) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 404)
        {
            return 0;
        }
    }

    /// <summary>As the worker dead-letters a command: to the dead-letter exchange, with the reason in x-reason.</summary>
    private static async Task PublishDeadAsync(byte[] body, string messageId, string reason)
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(TestServices.RabbitMq) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(true, true));
        var properties = new BasicProperties
        {
            Persistent = true, MessageId = messageId, Headers = new Dictionary<string, object?> { ["x-reason"] = Encoding.UTF8.GetBytes(reason) },
        };
        await channel.BasicPublishAsync(QueueNames.Dead, "", mandatory: true, properties, body);
    }
}
