using Chat.Contracts;
using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using Chat.Domain.Messaging;
using Chat.Tests.Infrastructure;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace Chat.Tests.Reliability;

/// <summary>
/// Commands the worker cannot apply — not JSON, an unknown type, missing or wrong fields, an application or
/// chat that does not exist — end in <c>chat.commands.dead</c> with an <c>x-reason</c>, once each, while the
/// good commands around them keep flowing.
/// </summary>
public sealed class PoisonMessageTests
{
    [Test]
    public async Task TenMalformedCommandsAmongAThousandGoodOnesAreDeadLetteredWithAReasonAndEveryGoodOneIsPersisted()
    {
        await using var api = new ApiFactory();
        var client = api.CreateClient();
        var token = await api.CreateApplicationAsync();
        await client.CreateChatAsync(token, new { });
        var app = await Database.ScalarAsync<long>("SELECT id FROM applications WHERE token = @t", ("@t", token));
        var marker = $"poison-{Guid.NewGuid():N}";
        var poison = Poison(app, marker);

        await using var rabbit = await new ConnectionFactory { Uri = new Uri(TestServices.RabbitMq) }.CreateConnectionAsync();
        await using var publisher = await rabbit.CreateChannelAsync(new CreateChannelOptions(true, true));
        var sent = new ConcurrentBag<int>();
        using var throttle = new SemaphoreSlim(32);
        await Task.WhenAll(Enumerable.Range(0, 1000).Select(async i =>
        {
            await throttle.WaitAsync();
            try
            {
                await (await client.PostAsJsonAsync($"/applications/{token}/chats/1/messages", new { body = $"good {i}" })).ShouldBeAsync(HttpStatusCode.Created);
                if (i % 100 == 50)
                    await publisher.BasicPublishAsync(QueueNames.Commands, "", true, new BasicProperties { Persistent = true }, poison[i / 100]);
                sent.Add(i);
            }
            finally
            {
                throttle.Release();
            }
        }));

        // Two trips round the retry queue for a message whose chat never appears, instead of two minutes.
        await using var worker = await WorkerHost.StartAsync(new Dictionary<string, string?> { ["Worker:MaxWaits"] = "2" });
        Assert.That(await WorkerHost.WaitForMessagesAsync(token, 1000), Is.EqualTo(1000), "every good command is persisted");
        var dead = await DeadLetters.WithMarkerAsync(marker, expected: poison.Length);

        Assert.That(dead.Select(d => d.Body), Is.EquivalentTo(poison.Select(Encoding.UTF8.GetString)).Using<string, string>(SameCommand),
            "each malformed command is dead-lettered exactly once");
        Assert.That(dead.Select(d => d.Reason), Has.All.Not.Empty, "each with its reason");
        TestContext.Progress.WriteLine(string.Join("\n", dead.Select(d => $"dead-lettered: {d.Reason}")));
        var reconnects = worker.Logs.Entries.Where(e => e.Level >= LogLevel.Warning && e.Category.EndsWith("CommandConsumer")).ToList();
        Assert.That(reconnects, Is.Empty, "no command crashed the consumer (no redelivery loop)");
        Assert.That(await Database.ScalarAsync<long>("SELECT COUNT(*) FROM chats WHERE application_id = @a", ("@a", app)), Is.EqualTo(1),
            "the chat with an impossible number was not written");
    }

    /// <summary>Ten commands that must not be applied; each carries the marker in a field that survives re-serialisation.</summary>
    private static byte[][] Poison(long app, string marker)
    {
        string Id() => Guid.NewGuid().ToString();
        const string Now = "2026-01-01T00:00:00Z";
        string Message(long application, int chat, string body) =>
            $"{{\"application_id\":{application},\"chat_number\":{chat},\"number\":{Random.Shared.Next(5000, 9000)},\"uid\":\"{Id()}\",\"body\":\"{body}\",\"created_at\":\"{Now}\",\"updated_at\":\"{Now}\"}}";
        return new[]
        {
            $"not json at all {marker} \u00ff",
            $"{{\"type\":\"message\",\"command_id\":\"{Id()}\",\"marker\":\"{marker}\"",
            $"{{\"type\":\"reaction\",\"command_id\":\"{Id()}\",\"marker\":\"{marker}\"}}",
            $"{{\"command_id\":\"{Id()}\",\"change\":\"created\",\"message\":{Message(app, 1, marker)}}}",
            $"{{\"type\":\"message\",\"command_id\":\"{Id()}\",\"change\":\"created\",\"message\":{{\"application_id\":\"{marker}\"}}}}",
            $"{{\"type\":\"message\",\"command_id\":\"{Id()}\",\"change\":\"created\",\"message\":null,\"marker\":\"{marker}\"}}",
            $"{{\"type\":\"message\",\"command_id\":\"{Id()}\",\"change\":\"created\",\"message\":{{\"application_id\":{app},\"chat_number\":1,\"number\":9500,\"uid\":\"{Id()}\",\"sender\":\"{marker}\",\"created_at\":\"{Now}\",\"updated_at\":\"{Now}\"}}}}",
            $"{{\"type\":\"message\",\"command_id\":\"{Id()}\",\"change\":\"created\",\"message\":{Message(999_999_999, 1, marker)}}}",
            $"{{\"type\":\"message\",\"command_id\":\"{Id()}\",\"change\":\"created\",\"message\":{Message(app, 999, marker)}}}",
            $"{{\"type\":\"chat\",\"command_id\":\"{Id()}\",\"change\":\"created\",\"chat\":{{\"application_id\":{app},\"number\":-5,\"uid\":\"{Id()}\",\"name\":\"{marker}\",\"created_at\":\"{Now}\",\"updated_at\":\"{Now}\"}}}}",
        }.Select(Encoding.UTF8.GetBytes).ToArray();
    }

    /// <summary>A dead-lettered body is the original bytes, or the parsed command written again: compare by the marked text.</summary>
    private static bool SameCommand(string dead, string sent) =>
        dead == sent || (dead.Contains("\"type\"") && Marked(dead) == Marked(sent));

    private static string Marked(string body) => body[(body.IndexOf("poison-", StringComparison.Ordinal) - 1)..][..40];
}
