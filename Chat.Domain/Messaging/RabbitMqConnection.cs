using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace Chat.Domain.Messaging;

/// <summary>
/// The process's one connection to the broker, opened on first use (so a process starts while the broker is
/// down) and recovered automatically by the client afterwards, on any node of the list (<see cref="BrokerAddress"/>).
/// </summary>
public sealed class RabbitMqConnection(IOptions<ConnectionStringsOptions> connectionStrings, IOptions<MessagingOptions> options)
    : IAsyncDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IConnection? _connection;
    private bool _declared;

    public string ClientName { get; set; } = AppDomain.CurrentDomain.FriendlyName;

    public async Task<IConnection> GetAsync(CancellationToken ct)
    {
        if (_connection is { IsOpen: true } open && _declared) return open;
        await _gate.WaitAsync(ct);
        try
        {
            if (_connection is null || !_connection.IsOpen)
            {
                if (_connection is not null) await _connection.DisposeAsync();
                _connection = null;
                var broker = BrokerAddress.Parse(connectionStrings.Value.RabbitMq);
                var factory = broker.Factory(ClientName);
                factory.AutomaticRecoveryEnabled = true;
                factory.TopologyRecoveryEnabled = true;
                factory.RequestedConnectionTimeout = TimeSpan.FromSeconds(3);
                _connection = await broker.ConnectAsync(factory, ct);
            }
            if (!_declared)
            {
                await using var channel = await _connection.CreateChannelAsync(cancellationToken: ct);
                await Topology.DeclareAsync(channel, options.Value.DeliveryLimit, ct);
                _declared = true;
            }
            return _connection;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync();
        _gate.Dispose();
    }
}
