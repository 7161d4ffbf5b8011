using System.Text;
using Chat.Contracts;
using Chat.Domain;
using Chat.Domain.Messaging;
using Chat.Domain.Search.Indexing;
using Chat.Worker.Persistence;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Chat.Worker.DeadLetters;

/// <summary>
/// <c>Chat.Worker replay-dead-letters --queue chat.index.dead|chat.commands.dead [--dry-run]</c>: once the cause
/// of the failures is fixed, moves what the dead-letter queue holds back to its work queue, one message at a time
/// (published with a confirm, then acknowledged), printing each. Only the messages there when it starts: one that
/// fails again comes back to the dead-letter queue and waits for the next run instead of going round in circles.
/// With <c>--dry-run</c> it prints them and moves nothing: they go back to the queue when it closes its channel.
/// </summary>
public static class DeadLetterReplay
{
    public const string Usage = "Usage: Chat.Worker replay-dead-letters --queue chat.index.dead|chat.commands.dead [--dry-run]";

    /// <summary>Each dead-letter queue and the work queue (its exchange) it came from.</summary>
    private static readonly Dictionary<string, string> Origins = new()
    {
        [QueueNames.Dead] = QueueNames.Commands,
        [IndexTopology.Dead] = IndexTopology.Queue,
    };

    public static async Task<int> RunAsync(string[] args, TextWriter output, Action<IHostApplicationBuilder>? configure = null,
        CancellationToken ct = default)
    {
        var dryRun = args.Contains("--dry-run");
        var queue = args.Except(["--dry-run"]).ToArray() is ["--queue", var name] && args.Length == (dryRun ? 3 : 2) ? name : null;
        if (queue is null || !Origins.TryGetValue(queue, out var origin))
        {
            await output.WriteLineAsync(Usage);
            return 2;
        }

        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        configure?.Invoke(builder);
        builder.AddChatDomain();
        using var host = builder.Build();
        var broker = await host.Services.GetRequiredService<RabbitMqConnection>().GetAsync(ct);
        var publisher = host.Services.GetRequiredService<CommandPublisher>();
        await using var channel = await broker.CreateChannelAsync(cancellationToken: ct);
        // Both queues of the pair exist afterwards, with the arguments the worker declares.
        // (the connection declares chat.commands and its dead-letter queue; the index pair is declared here).
        if (queue == IndexTopology.Dead) await IndexTopology.DeclareAsync(channel, host.Services.GetRequiredService<IOptions<MessagingOptions>>().Value.DeliveryLimit, ct);
        var waiting = (await channel.QueueDeclarePassiveAsync(queue, ct)).MessageCount;

        var seen = 0;
        for (; seen < waiting && await channel.BasicGetAsync(queue, autoAck: false, ct) is { } message; seen++)
        {
            await output.WriteLineAsync($"{seen + 1}. {Describe(queue, message.Body.Span)} | reason: {ReasonOf(message.BasicProperties)}");
            if (dryRun) continue;
            // A fresh message: no dead-letter reason, no retry count (x-waits), a fresh delivery count.
            await publisher.PublishAsync(origin, message.Body, message.BasicProperties.MessageId, headers: null, ct);
            await channel.BasicAckAsync(message.DeliveryTag, multiple: false, ct);
        }

        // In a dry run, closing the channel returns every message it took, unacknowledged, to the queue.
        await output.WriteLineAsync(dryRun
            ? $"Dry run: {seen} message(s) in {queue} would move to {origin}; nothing moved."
            : $"Moved {seen} message(s) from {queue} to {origin}.");
        return 0;
    }

    private static string Describe(string queue, ReadOnlySpan<byte> body)
    {
        if (queue == IndexTopology.Dead)
        {
            return IndexBatch.TryParse(body) is { } batch
                ? $"{batch.Commands.Count} index command(s): {string.Join(", ", batch.Commands.Take(3).Select(Describe))}{(batch.Commands.Count > 3 ? ", …" : "")}"
                : $"unreadable index batch ({body.Length} bytes)";
        }
        return CommandJson.TryDeserialize(body) is { } command
            ? $"{command.GetType().Name} {command.CommandId}"
            : $"unreadable command ({body.Length} bytes)";
    }

    private static string Describe(IndexCommand command) => command switch
    {
        IndexMessage index => $"index {index.Message.ChatKey}:{index.Message.Number}",
        RemoveMessage remove => $"remove {remove.ChatKey}:{remove.Number}",
        RemoveChat chat => $"remove chat {chat.ChatKey}",
        RemoveApplication application => $"remove application {application.AppKey}",
        _ => command.GetType().Name,
    };

    /// <summary>The worker's own reason, or the broker's when it dead-lettered the message itself (delivery limit).</summary>
    private static string ReasonOf(IReadOnlyBasicProperties properties)
    {
        var headers = properties.Headers;
        foreach (var key in new[] { Delivery.ReasonHeader, "x-first-death-reason" })
            if (headers?.TryGetValue(key, out var value) == true && value is byte[] text) return Encoding.UTF8.GetString(text);
        return "none recorded";
    }
}
