using Chat.Domain.Messaging;
using Chat.Domain.Search.Indexing;
using Microsoft.Extensions.Options;

namespace Chat.Worker.Search;

/// <summary>
/// Declares <c>chat.index</c> and <c>chat.index.dead</c> once per process, before the first publish to them:
/// publishing to an exchange that does not exist would close the channel. Only the Elasticsearch provider uses them.
/// </summary>
public sealed class IndexQueues(RabbitMqConnection broker, IOptions<MessagingOptions> messaging)
{
    private volatile bool _declared;

    public async Task EnsureAsync(CancellationToken ct)
    {
        if (_declared) return;
        await using var channel = await (await broker.GetAsync(ct)).CreateChannelAsync(cancellationToken: ct);
        await IndexTopology.DeclareAsync(channel, messaging.Value.DeliveryLimit, ct);
        _declared = true;
    }
}
