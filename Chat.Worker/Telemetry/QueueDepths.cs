using System.Collections.Concurrent;
using Chat.Contracts;
using Chat.Domain.Messaging;
using Chat.Domain.Search.Indexing;
using Chat.Domain.Telemetry;
using Chat.Domain.Webhooks;
using RabbitMQ.Client;

namespace Chat.Worker.Telemetry;

/// <summary>
/// <c>chat.queue.depth{queue}</c>: ready messages per queue, read every few seconds by a passive declare. A gauge's
/// callback is synchronous and must not wait on the broker, so it reports the last values read here.
/// </summary>
public sealed partial class QueueDepths(RabbitMqConnection connection, ILogger<QueueDepths> log) : BackgroundService
{
    private static readonly string[] Queues =
        [QueueNames.Commands, QueueNames.Retry, QueueNames.Dead, IndexTopology.Queue, IndexTopology.Dead, WebhookTopology.Queue, WebhookTopology.Dead];

    private static readonly TimeSpan Every = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, long> _depths = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ChatTelemetry.Meter.CreateObservableGauge("chat.queue.depth",
            () => _depths.Select(d => new System.Diagnostics.Metrics.Measurement<long>(d.Value, new KeyValuePair<string, object?>("queue", d.Key))),
            "{message}", "Ready messages per RabbitMQ queue");
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var broker = await connection.GetAsync(stoppingToken);
                await using var channel = await broker.CreateChannelAsync(cancellationToken: stoppingToken);
                foreach (var queue in Queues)
                    _depths[queue] = await channel.MessageCountAsync(queue, stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A queue not declared yet closes the channel: the next round opens a new one. Depths stay as last read.
                LogUnreadable(e.Message);
            }
            await Task.Delay(Every, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Queue depths not read: {Reason}")]
    private partial void LogUnreadable(string reason);
}
