using System.Diagnostics;
using System.Threading.Channels;
using Chat.Domain;
using Chat.Domain.Messaging;
using Chat.Domain.Resilience;
using Microsoft.Extensions.Options;
using Polly;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Chat.Worker.Queueing;

/// <summary>A broker delivery as a consumer keeps it: its tag acknowledges it.</summary>
public interface IQueuedDelivery
{
    ulong Tag { get; }
}

/// <summary>
/// Consumes one queue with manual acks and a bounded prefetch, and hands the deliveries over in batches (by weight
/// or time, whichever comes first). A batch is acknowledged only after it is handled, so a crash at any point means
/// redelivery, never loss. Any broker trouble tears the connection down and starts over: whatever was
/// unacknowledged is redelivered. No automatic recovery, because delivery tags belong to one channel and acking a
/// recovered channel's unknown tags would be an error.
/// </summary>
public abstract class BatchingConsumer<T>(IOptions<ConnectionStringsOptions> connectionStrings, ILogger log) : BackgroundService
    where T : IQueuedDelivery
{
    protected abstract string Queue { get; }
    protected abstract ushort Prefetch { get; }

    /// <summary>A batch is handed over once its deliveries weigh this much …</summary>
    protected abstract int BatchWeight { get; }

    /// <summary>… or when this much time has passed since its first delivery arrived.</summary>
    protected abstract TimeSpan BatchWindow { get; }

    protected abstract Task DeclareAsync(IChannel channel, CancellationToken ct);

    /// <summary>Copies what the batch needs: the client reuses the delivery's buffer.</summary>
    protected abstract T Read(BasicDeliverEventArgs delivery);

    protected virtual int WeightOf(T delivery) => 1;

    /// <summary>Returns once the whole batch is safe to acknowledge.</summary>
    protected abstract Task HandleAsync(IReadOnlyList<T> batch, CancellationToken ct);

    /// <summary>A session that consumed at least this long ended by a passing fault: the back-off starts over.</summary>
    private static readonly TimeSpan HealthySession = TimeSpan.FromSeconds(10);

    private ResiliencePipeline? _restarts;

    /// <summary>
    /// Any failure (the broker away, a batch that could not be handled) tears the session down and starts a new one
    /// after a back-off that grows from 1 s to 10 s while starting keeps failing.
    /// </summary>
    private ResiliencePipeline Restarts => _restarts ??= Retries.Forever(_ => true,
        TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10), (_, delay, e) => ConsumerLog.Restarting(log, Queue, delay.TotalSeconds, e.Message));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
            await Restarts.ExecuteAsync(SessionAsync, stoppingToken);
    }

    /// <summary>Throws when the session fails, unless it was a healthy one: then the next starts at once, with a fresh back-off.</summary>
    private async ValueTask SessionAsync(CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            await ConsumeAsync(ct);
        }
        catch (Exception e) when (!ct.IsCancellationRequested && clock.Elapsed >= HealthySession)
        {
            ConsumerLog.Restarting(log, Queue, 0, e.Message);
        }
    }

    private async Task ConsumeAsync(CancellationToken ct)
    {
        // Every start goes through the whole node list: a consumer whose node died comes back on another one.
        var broker = BrokerAddress.Parse(connectionStrings.Value.RabbitMq);
        var factory = broker.Factory($"chat-worker {Queue}");
        factory.AutomaticRecoveryEnabled = false;
        await using var connection = await broker.ConnectAsync(factory, ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await DeclareAsync(channel, ct);
        await channel.BasicQosAsync(0, Prefetch, global: false, ct);

        var inbox = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = true });
        channel.ChannelShutdownAsync += (_, reason) =>
        {
            inbox.Writer.TryComplete(new IOException($"Channel closed: {reason.ReplyText}"));
            return Task.CompletedTask;
        };
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            inbox.Writer.TryWrite(Read(delivery));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(Queue, autoAck: false, consumer, ct);
        ConsumerLog.Consuming(log, Queue, Prefetch, BatchWeight);

        while (true)
        {
            var batch = await NextBatchAsync(inbox.Reader, ct);
            await HandleAsync(batch, ct);
            // One ack for the whole batch: every earlier tag on this channel was acknowledged before.
            await channel.BasicAckAsync(batch[^1].Tag, multiple: true, ct);
        }
    }

    private async Task<List<T>> NextBatchAsync(ChannelReader<T> inbox, CancellationToken ct)
    {
        var batch = new List<T> { await inbox.ReadAsync(ct) };
        var weight = WeightOf(batch[0]);
        using var window = CancellationTokenSource.CreateLinkedTokenSource(ct);
        window.CancelAfter(BatchWindow);
        try
        {
            while (weight < BatchWeight)
            {
                var next = inbox.TryRead(out var ready) ? ready : await inbox.ReadAsync(window.Token);
                batch.Add(next);
                weight += WeightOf(next);
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The window closed: hand over what we have.
        }
        return batch;
    }
}

internal static partial class ConsumerLog
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming {Queue} (prefetch {Prefetch}, batches of up to {BatchWeight})")]
    public static partial void Consuming(ILogger log, string queue, ushort prefetch, int batchWeight);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Consumer of {Queue} stopped (broker connection lost or unavailable, or a batch failed); starting over in {Seconds:0.#} s: {Reason}")]
    public static partial void Restarting(ILogger log, string queue, double seconds, string reason);
}
