using Chat.Contracts;
using Chat.Domain;
using Chat.Domain.Messaging;
using Chat.Domain.Telemetry;
using Chat.Worker.Queueing;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Chat.Worker.Persistence;

/// <summary>Consumes <c>chat.commands</c> and hands each batch to the <see cref="BatchProcessor"/>.</summary>
public sealed class CommandConsumer(
    BatchProcessor processor, IOptions<ConnectionStringsOptions> connectionStrings, IOptions<WorkerOptions> options,
    IOptions<MessagingOptions> messaging, ILogger<CommandConsumer> log) : BatchingConsumer<Delivery>(connectionStrings, log)
{
    protected override string Queue => QueueNames.Commands;
    protected override ushort Prefetch => options.Value.Prefetch;
    protected override int BatchWeight => options.Value.BatchSize;
    protected override TimeSpan BatchWindow => options.Value.BatchWindow;

    protected override Task DeclareAsync(IChannel channel, CancellationToken ct) =>
        Topology.DeclareAsync(channel, messaging.Value.DeliveryLimit, ct);

    protected override Delivery Read(BasicDeliverEventArgs delivery) =>
        new(delivery.DeliveryTag, delivery.Body.ToArray(), delivery.Redelivered, WaitsOf(delivery))
        {
            Parent = ChatTelemetry.TraceContextOf(delivery.BasicProperties.Headers),
            AcceptedAt = ChatTelemetry.AcceptedAtOf(delivery.BasicProperties.Headers),
        };

    protected override Task HandleAsync(IReadOnlyList<Delivery> batch, CancellationToken ct) => processor.ProcessAsync(batch, ct);

    private static int WaitsOf(BasicDeliverEventArgs delivery) =>
        delivery.BasicProperties.Headers?.TryGetValue(Delivery.WaitsHeader, out var value) == true && value is int waits ? waits : 0;
}
