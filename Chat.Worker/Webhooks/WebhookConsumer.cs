using System.Text.Json;
using Chat.Contracts;
using Chat.Domain;
using Chat.Domain.Messaging;
using Chat.Domain.Resilience;
using Chat.Domain.Webhooks;
using Microsoft.Extensions.Options;
using MySqlConnector;
using Polly;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Chat.Worker.Webhooks;

/// <summary>
/// Consumes <c>chat.webhooks</c> (docs/decisions/0016), up to <see cref="WebhookOptions.Concurrency"/> messages at once,
/// each acknowledged on its own once what it caused is confirmed by the broker: a worker killed at any point leaves its
/// unacknowledged work to be redelivered (at least once), never lost. Apart from the command consumer, so that no
/// receiver can slow persistence.
/// </summary>
public sealed partial class WebhookConsumer(
    WebhookDispatcher dispatcher, WebhookSender sender, IOptions<ConnectionStringsOptions> connectionStrings,
    IOptions<WebhookOptions> options, IOptions<MessagingOptions> messaging, ILogger<WebhookConsumer> log) : BackgroundService
{
    /// <summary>MySQL away while fanning out or replaying: wait for it (capped at 5 s) rather than burn the delivery limit.</summary>
    private readonly ResiliencePipeline _untilMySqlAnswers = Retries.Forever(e => e is MySqlException, TimeSpan.FromMilliseconds(200),
        TimeSpan.FromSeconds(5), (attempt, delay, e) => LogDatabaseDown(log, attempt, delay.TotalMilliseconds, e.Message));

    private readonly ResiliencePipeline _restarts = Retries.Forever(_ => true, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(10),
        (_, delay, e) => LogRestarting(log, delay.TotalSeconds, e.Message));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
            await _restarts.ExecuteAsync(ConsumeAsync, stoppingToken);
    }

    private async ValueTask ConsumeAsync(CancellationToken ct)
    {
        var broker = BrokerAddress.Parse(connectionStrings.Value.RabbitMq);
        var factory = broker.Factory($"chat-worker {WebhookTopology.Queue}");
        factory.AutomaticRecoveryEnabled = false; // delivery tags belong to one channel: start over instead
        await using var connection = await broker.ConnectAsync(factory, ct);
        var concurrency = (ushort)options.Value.Concurrency;
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(false, false, consumerDispatchConcurrency: concurrency), ct);
        await WebhookTopology.DeclareAsync(channel, options.Value, messaging.Value.DeliveryLimit, ct);
        await channel.BasicQosAsync(0, concurrency, global: false, ct);

        var closed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        channel.ChannelShutdownAsync += (_, reason) =>
        {
            closed.TrySetException(new IOException($"Channel closed: {reason.ReplyText}"));
            return Task.CompletedTask;
        };
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += async (_, delivery) =>
        {
            var body = delivery.Body.ToArray();
            try
            {
                await HandleAsync(body, ct);
                await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false, ct);
            }
            catch (Exception e) when (!ct.IsCancellationRequested)
            {
                // Requeued, and dead-lettered to chat.webhooks.dead after the delivery limit (a message that cannot be read).
                LogFailed(log, e.Message);
                closed.TrySetException(e);
            }
        };
        await channel.BasicConsumeAsync(WebhookTopology.Queue, autoAck: false, consumer, ct);
        LogConsuming(log, concurrency);
        await closed.Task.WaitAsync(ct);
    }

    private async Task HandleAsync(byte[] body, CancellationToken ct)
    {
        switch (JsonSerializer.Deserialize<WebhookWork>(body, CommandJson.Options))
        {
            case WebhookWork.Committed committed:
                await _untilMySqlAnswers.ExecuteAsync(async token => await dispatcher.FanOutAsync(committed, token), ct);
                break;
            case WebhookWork.Replay replay:
                await _untilMySqlAnswers.ExecuteAsync(async token => await dispatcher.ReplayAsync(replay, token), ct);
                break;
            case WebhookWork.Delivery delivery:
                await _untilMySqlAnswers.ExecuteAsync(async token => await sender.DeliverAsync(delivery, token), ct);
                break;
            default:
                throw new JsonException("Not a webhook work item.");
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Consuming chat.webhooks ({Concurrency} at once)")]
    private static partial void LogConsuming(ILogger log, ushort concurrency);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook work failed, the session starts over and it is redelivered: {Reason}")]
    private static partial void LogFailed(ILogger log, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Consumer of chat.webhooks stopped; starting over in {Seconds:0.#} s: {Reason}")]
    private static partial void LogRestarting(ILogger log, double seconds, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MySQL unavailable for webhooks (attempt {Attempt}), retrying in {Delay:0} ms: {Reason}")]
    private static partial void LogDatabaseDown(ILogger log, int attempt, double delay, string reason);
}
