using Chat.Contracts;
using System.Diagnostics;
using Chat.Domain.Resilience;
using Chat.Domain.Telemetry;
using Microsoft.Extensions.Options;
using Polly;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Chat.Domain.Messaging;

/// <summary>The broker did not confirm a command in time: nothing may tell the client it was accepted.</summary>
public sealed class BrokerUnavailableException(string message, Exception? inner = null) : Exception(message, inner);

/// <summary>
/// Publishes persistent commands and returns only once the broker has confirmed them, so a 201 always
/// stands for a command that is on disk in a durable queue.
/// </summary>
public sealed class CommandPublisher(RabbitMqConnection connection, IOptions<MessagingOptions> options) : IAsyncDisposable
{
    /// <summary>
    /// A connection that is recovering, channels closed under it, or a nack are tried again on new channels a few times
    /// within the confirm timeout before the request fails: a broker that restarts answers again within a second or two.
    /// A publish sent twice is harmless (the worker writes a command once, by its id); one that no queue took is not
    /// tried again, since nothing will bind a queue meanwhile.
    /// </summary>
    private static readonly ResiliencePipeline Reconnect = Retries.OnTransient(e => IsBrokerFailure(e) && e is not PublishReturnException,
        attempts: 3, TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(400));

    private readonly SemaphoreSlim _gate = new(1, 1);
    private IChannel[] _channels = [];
    private int _next;

    public Task PublishAsync(Command command, CancellationToken ct = default) =>
        PublishAsync(QueueNames.Commands, command, headers: null, ct);

    public Task PublishAsync(string exchange, Command command, IDictionary<string, object?>? headers, CancellationToken ct) =>
        PublishAsync(exchange, CommandJson.Serialize(command), command.CommandId.ToString(), headers, ct);

    /// <summary>Publishes raw bytes: the worker dead-letters commands it could not even parse.</summary>
    public async Task PublishAsync(string exchange, ReadOnlyMemory<byte> body, string? messageId, IDictionary<string, object?>? headers,
        CancellationToken ct)
    {
        // A producer span whose context travels in the headers: the worker's span for this command continues the trace.
        using var span = ChatTelemetry.Source.StartActivity($"publish {exchange}", ActivityKind.Producer);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(options.Value.ConfirmTimeout);
        var properties = new BasicProperties
        {
            Persistent = true,
            MessageId = messageId,
            ContentType = "application/json",
            Headers = ChatTelemetry.WithTraceContext(AcceptedNow(headers)),
        };
        try
        {
            await Reconnect.ExecuteAsync(async token =>
            {
                var channel = await NextChannelAsync(token);
                try
                {
                    // With confirmation tracking on, this completes when the broker acks and throws when it nacks. Mandatory,
                    // because the broker acks a message no queue took (nothing bound): that must be a failure, not a 201.
                    await channel.BasicPublishAsync(exchange, routingKey: "", mandatory: true, properties, body, token);
                }
                catch (PublishException e) when (e is not PublishReturnException)
                {
                    // A nack: the queue did not take it, so sending it again is safe. On RabbitMQ 3.10, after the node leading
                    // chat.commands was killed, one channel had every publish nacked for 30 s while fresh ones went through
                    // (docs/reliability.md): a channel that was nacked is closed, and the next attempt opens new ones.
                    await channel.CloseAsync(CancellationToken.None);
                    throw;
                }
            }, timeout.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new BrokerUnavailableException("The message broker did not confirm the command in time.");
        }
        catch (Exception e) when (IsBrokerFailure(e))
        {
            throw new BrokerUnavailableException("The message broker is unavailable.", e);
        }
    }

    /// <summary>When the write was accepted (its publish), for the worker's accept-to-persist lag; headers that carry one keep it.</summary>
    private static IDictionary<string, object?> AcceptedNow(IDictionary<string, object?>? headers)
    {
        var copy = headers is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(headers);
        copy.TryAdd(ChatTelemetry.AcceptedAtHeader, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        return copy;
    }

    private static bool IsBrokerFailure(Exception e) => e is BrokerUnreachableException or AlreadyClosedException or PublishException
        or OperationInterruptedException or IOException or System.Net.Sockets.SocketException;

    private async ValueTask<IChannel> NextChannelAsync(CancellationToken ct)
    {
        var channels = _channels;
        if (channels.Length == 0 || channels.Any(c => c.IsClosed))
            channels = await OpenChannelsAsync(ct);
        return channels[(int)((uint)Interlocked.Increment(ref _next) % channels.Length)];
    }

    private async Task<IChannel[]> OpenChannelsAsync(CancellationToken ct)
    {
        await _gate.WaitAsync(ct);
        try
        {
            if (_channels.Length > 0 && _channels.All(c => c.IsOpen)) return _channels;
            var open = await connection.GetAsync(ct);
            var channelOptions = new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true);
            var channels = new IChannel[Math.Max(1, options.Value.PublishChannels)];
            for (var i = 0; i < channels.Length; i++)
                channels[i] = await open.CreateChannelAsync(channelOptions, ct);
            foreach (var old in _channels) await old.DisposeAsync();
            return _channels = channels;
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels) await channel.DisposeAsync();
        _gate.Dispose();
    }
}
