using System.Threading.Channels;
using Chat.Domain;
using Chat.Domain.Messaging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Chat.Worker.Persistence;

/// <summary>
/// Consumes <c>chat.commands</c> with manual acks and a bounded prefetch, and hands the deliveries over in
/// batches (by size or time, whichever comes first). A batch is acknowledged only after it is processed, so a
/// crash at any point means redelivery, never loss. Any broker trouble tears the connection down and starts
/// over: whatever was unacknowledged is redelivered.
/// </summary>
public sealed partial class CommandConsumer(
    BatchProcessor processor, IOptions<ConnectionStringsOptions> connectionStrings, IOptions<WorkerOptions> options,
    IOptions<MessagingOptions> messaging, ILogger<CommandConsumer> log) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        for (var attempt = 1; !stoppingToken.IsCancellationRequested; attempt++)
        {
            try
            {
                await ConsumeAsync(stoppingToken);
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                LogReconnecting(Math.Min(attempt, 10), e.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(attempt, 10)), stoppingToken);
            }
        }
    }

    private async Task ConsumeAsync(CancellationToken ct)
    {
        // Its own connection without automatic recovery: delivery tags belong to one channel, and acking a
        // recovered channel's unknown tags would be an error. Starting over is simpler and always correct.
        var factory = new ConnectionFactory
        {
            Uri = new Uri(connectionStrings.Value.RabbitMq),
            ClientProvidedName = "chat-worker-consumer",
            AutomaticRecoveryEnabled = false,
        };
        await using var connection = await factory.CreateConnectionAsync(ct);
        await using var channel = await connection.CreateChannelAsync(cancellationToken: ct);
        await Topology.DeclareAsync(channel, messaging.Value.DeliveryLimit, ct);
        await channel.BasicQosAsync(0, options.Value.Prefetch, global: false, ct);

        var inbox = Channel.CreateUnbounded<Delivery>(new UnboundedChannelOptions { SingleReader = true });
        channel.ChannelShutdownAsync += (_, reason) =>
        {
            inbox.Writer.TryComplete(new IOException($"Channel closed: {reason.ReplyText}"));
            return Task.CompletedTask;
        };
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) =>
        {
            inbox.Writer.TryWrite(new Delivery(delivery.DeliveryTag, delivery.Body.ToArray(), delivery.Redelivered, WaitsOf(delivery)));
            return Task.CompletedTask;
        };
        await channel.BasicConsumeAsync(Topology.Commands, autoAck: false, consumer, ct);
        LogConsuming(options.Value.Prefetch, options.Value.BatchSize);

        while (true)
        {
            var batch = await NextBatchAsync(inbox.Reader, ct);
            await processor.ProcessAsync(batch, ct);
            // One ack for the whole batch: every earlier tag on this channel was acknowledged before.
            await channel.BasicAckAsync(batch[^1].Tag, multiple: true, ct);
        }
    }

    private async Task<List<Delivery>> NextBatchAsync(ChannelReader<Delivery> inbox, CancellationToken ct)
    {
        var batch = new List<Delivery> { await inbox.ReadAsync(ct) };
        using var window = CancellationTokenSource.CreateLinkedTokenSource(ct);
        window.CancelAfter(options.Value.BatchWindow);
        try
        {
            while (batch.Count < options.Value.BatchSize)
            {
                while (batch.Count < options.Value.BatchSize && inbox.TryRead(out var next)) batch.Add(next);
                if (batch.Count < options.Value.BatchSize) batch.Add(await inbox.ReadAsync(window.Token));
            }
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // The window closed: write what we have.
        }
        return batch;
    }

    private static int WaitsOf(BasicDeliverEventArgs delivery) =>
        delivery.BasicProperties.Headers?.TryGetValue(Delivery.WaitsHeader, out var value) == true && value is int waits ? waits : 0;

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming chat.commands (prefetch {Prefetch}, batches of up to {BatchSize})")]
    private partial void LogConsuming(ushort prefetch, int batchSize);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Broker connection lost or unavailable; reconnecting in {Seconds} s: {Reason}")]
    private partial void LogReconnecting(int seconds, string reason);
}
