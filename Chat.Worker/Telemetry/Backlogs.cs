using System.Collections.Concurrent;
using Chat.Contracts;
using Chat.Domain.Messaging;
using Chat.Domain.Search.Indexing;
using Chat.Domain.Telemetry;
using Chat.Domain.Webhooks;
using RabbitMQ.Client;
using StackExchange.Redis;

namespace Chat.Worker.Telemetry;

/// <summary>
/// What waits to be persisted: <c>chat.queue.depth{queue}</c>, ready messages per queue (a passive declare), and
/// <c>chat.outbox.size</c>, accepted states not yet known to be persisted (the outboxes of docs/decisions/0009), both
/// read every few seconds. A gauge's callback is synchronous and must not wait on the broker or Redis, so it reports
/// the last values read here.
/// </summary>
public sealed partial class Backlogs(RabbitMqConnection connection, IDatabase redis, ILogger<Backlogs> log) : BackgroundService
{
    private static readonly string[] Queues =
        [QueueNames.Commands, QueueNames.Retry, QueueNames.Dead, IndexTopology.Queue, IndexTopology.Dead, WebhookTopology.Queue, WebhookTopology.Dead];

    private static readonly TimeSpan Every = TimeSpan.FromSeconds(5);
    /// <summary>Outboxes summed per round at most: beyond that the gauge is a lower bound (and the sweeper is far behind).</summary>
    private const int MaxOutboxes = 1000;

    private readonly ConcurrentDictionary<string, long> _depths = new();
    private long _outbox;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        ChatTelemetry.Meter.CreateObservableGauge("chat.queue.depth",
            () => _depths.Select(d => new System.Diagnostics.Metrics.Measurement<long>(d.Value, new KeyValuePair<string, object?>("queue", d.Key))),
            "{message}", "Ready messages per RabbitMQ queue");
        ChatTelemetry.Meter.CreateObservableGauge("chat.outbox.size", () => Interlocked.Read(ref _outbox),
            "{state}", "Accepted states not yet known to be persisted, over every application's outbox");
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var broker = await connection.GetAsync(stoppingToken);
                await using var channel = await broker.CreateChannelAsync(cancellationToken: stoppingToken);
                foreach (var queue in Queues)
                    _depths[queue] = await channel.MessageCountAsync(queue, stoppingToken);
                Interlocked.Exchange(ref _outbox, await OutboxSizeAsync());
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A queue not declared yet closes the channel: the next round opens a new one. Depths stay as last read.
                LogUnreadable(e.Message);
            }
            await Task.Delay(Every, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    /// <summary>One pipelined round of ZCARDs over the applications that have an outbox.</summary>
    private async Task<long> OutboxSizeAsync()
    {
        var applications = await redis.SortedSetRangeByRankAsync(RedisKeys.OutboxApplications, 0, MaxOutboxes - 1);
        var sizes = await Task.WhenAll(applications.Select(a => redis.SortedSetLengthAsync(RedisKeys.Outbox((long)a))));
        return sizes.Sum();
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Backlogs not read: {Reason}")]
    private partial void LogUnreadable(string reason);
}
