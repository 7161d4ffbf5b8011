using RabbitMQ.Client;

namespace Chat.Bench.Server;

/// <summary>
/// Persistent publishes to the quorum queue <c>bench.ceiling</c>, each awaiting its confirm, spread over a few
/// channels like the product's CommandPublisher. Nothing consumes the queue; bench/run purges it between runs.
/// </summary>
public sealed class ConfirmedPublisher(IConfiguration configuration) : IAsyncDisposable
{
    public const string Queue = "bench.ceiling";
    private const int Channels = 4;
    private IConnection? _connection;
    private IChannel[] _channels = [];
    private int _next;

    public async Task OpenAsync()
    {
        var uri = configuration.GetConnectionString("RabbitMq") ?? throw new InvalidOperationException("ConnectionStrings:RabbitMq is required");
        _connection = await new ConnectionFactory { Uri = new Uri(uri), ClientProvidedName = "bench-ceiling" }.CreateConnectionAsync();
        await using (var setup = await _connection.CreateChannelAsync())
        {
            await setup.ExchangeDeclareAsync(Queue, ExchangeType.Fanout, durable: true);
            await setup.QueueDeclareAsync(Queue, durable: true, exclusive: false, autoDelete: false,
                new Dictionary<string, object?> { ["x-queue-type"] = "quorum" });
            await setup.QueueBindAsync(Queue, Queue, routingKey: "");
        }
        var options = new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true);
        _channels = new IChannel[Channels];
        for (var i = 0; i < Channels; i++) _channels[i] = await _connection.CreateChannelAsync(options);
    }

    public async Task PublishAsync(ReadOnlyMemory<byte> body, CancellationToken ct)
    {
        var channel = _channels[(int)((uint)Interlocked.Increment(ref _next) % _channels.Length)];
        var properties = new BasicProperties { Persistent = true, ContentType = "application/json" };
        await channel.BasicPublishAsync(Queue, routingKey: "", mandatory: false, properties, body, ct);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels) await channel.DisposeAsync();
        if (_connection is not null) await _connection.DisposeAsync();
    }
}
