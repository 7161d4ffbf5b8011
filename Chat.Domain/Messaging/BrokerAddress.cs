using System.Text.RegularExpressions;
using RabbitMQ.Client;

namespace Chat.Domain.Messaging;

/// <summary>
/// <c>ConnectionStrings:RabbitMq</c>: an AMQP URI whose authority may list the nodes of a cluster,
/// <c>amqp://chat:chat@10.0.0.1:5672,10.0.0.2:5672,10.0.0.3:5672/chat</c> (the multi-host form of PostgreSQL and MongoDB
/// URIs). User, password and vhost are the URI's; a port left out is the scheme's default. A connection goes to the nodes
/// in random order (RabbitMQ.Client's endpoint resolver) and takes the first that answers, and automatic recovery goes
/// through the same list, so a node that dies moves its clients to the others (README, "Failover").
/// </summary>
public sealed partial class BrokerAddress
{
    private BrokerAddress(Uri uri, IReadOnlyList<AmqpTcpEndpoint> endpoints) => (Uri, Endpoints) = (uri, endpoints);

    /// <summary>The URI with the first node: credentials, vhost and TLS for every node.</summary>
    public Uri Uri { get; }

    public IReadOnlyList<AmqpTcpEndpoint> Endpoints { get; }

    /// <exception cref="FormatException">Not an amqp:// or amqps:// URI, or a node without a host.</exception>
    public static BrokerAddress Parse(string connectionString)
    {
        var match = Shape().Match(connectionString.Trim());
        if (!match.Success) throw new FormatException("ConnectionStrings:RabbitMq must be an amqp:// or amqps:// URI, e.g. amqp://chat:chat@127.0.0.1:5672/chat");
        var (scheme, user, rest) = (match.Groups["scheme"].Value, match.Groups["user"].Value, match.Groups["rest"].Value);
        var tls = scheme == "amqps";
        var nodes = match.Groups["hosts"].Value.Split(',', StringSplitOptions.TrimEntries).Select(host =>
        {
            if (host.Length == 0) throw new FormatException("ConnectionStrings:RabbitMq lists an empty host");
            var node = new Uri($"{scheme}://{host}");
            var port = node.Port < 0 ? (tls ? 5671 : 5672) : node.Port;
            return new AmqpTcpEndpoint(node.IdnHost, port, new SslOption(node.IdnHost, enabled: tls));
        }).ToList();
        return new BrokerAddress(new Uri($"{scheme}://{user}{match.Groups["hosts"].Value.Split(',')[0].Trim()}{rest}"), nodes);
    }

    /// <summary>A factory for this broker; connect with <see cref="ConnectAsync"/> so that every node is tried.</summary>
    public ConnectionFactory Factory(string clientName) => new() { Uri = Uri, ClientProvidedName = clientName };

    public Task<IConnection> ConnectAsync(ConnectionFactory factory, CancellationToken ct = default) =>
        factory.CreateConnectionAsync(Endpoints, ct);

    [GeneratedRegex(@"^(?<scheme>amqps?)://(?<user>[^@/]*@)?(?<hosts>[^/?#@]+)(?<rest>[/?#].*)?$", RegexOptions.IgnoreCase)]
    private static partial Regex Shape();
}
