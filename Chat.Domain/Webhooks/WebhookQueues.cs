using System.Text.Json;
using Chat.Contracts;
using Chat.Domain.Messaging;
using Microsoft.Extensions.Options;

namespace Chat.Domain.Webhooks;

/// <summary>Declares the webhook queues once per process and publishes work on them, confirmed by the broker.</summary>
public sealed class WebhookQueues(RabbitMqConnection broker, CommandPublisher publisher, IOptions<MessagingOptions> messaging,
    IOptions<WebhookOptions> options)
{
    private volatile bool _declared;

    public async Task EnsureAsync(CancellationToken ct)
    {
        if (_declared) return;
        await using var channel = await (await broker.GetAsync(ct)).CreateChannelAsync(cancellationToken: ct);
        await WebhookTopology.DeclareAsync(channel, options.Value, messaging.Value.DeliveryLimit, ct);
        _declared = true;
    }

    /// <summary>Onto <c>chat.webhooks</c>, or with <paramref name="wait"/> onto the ladder step that holds it that long.</summary>
    public async Task PublishAsync(WebhookWork work, CancellationToken ct, TimeSpan? wait = null)
    {
        await EnsureAsync(ct);
        var exchange = wait is { } delay ? WebhookTopology.WaitQueue(delay) : WebhookTopology.Queue;
        await publisher.PublishAsync(exchange, JsonSerializer.SerializeToUtf8Bytes(work, CommandJson.Options), messageId: null, headers: null, ct);
    }

    /// <summary>Each onto <c>chat.webhooks</c>, 64 awaiting their confirms at a time.</summary>
    public async Task PublishAllAsync(IEnumerable<WebhookWork> work, CancellationToken ct)
    {
        foreach (var chunk in work.Chunk(64))
            await Task.WhenAll(chunk.Select(w => PublishAsync(w, ct)));
    }
}
