using Chat.Contracts;
using System.Diagnostics;
using RabbitMQ.Client;

namespace Chat.Bench;

/// <summary>The broker as the benchmark sees it: queue depths, purging the ceiling queue, pre-filling chat.commands.</summary>
public sealed class Broker(Settings settings) : IAsyncDisposable
{
    public const string CeilingQueue = "bench.ceiling";
    private IConnection? _connection;

    private async Task<IConnection> ConnectionAsync() =>
        _connection ??= await new ConnectionFactory { Uri = new Uri(settings.RabbitMq), ClientProvidedName = "bench-driver" }.CreateConnectionAsync();

    public async Task<uint> ReadyAsync(string queue)
    {
        await using var channel = await (await ConnectionAsync()).CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }

    public async Task PurgeAsync(string queue)
    {
        await using var channel = await (await ConnectionAsync()).CreateChannelAsync();
        await channel.QueuePurgeAsync(queue);
    }

    /// <summary>
    /// Waits until the worker has taken everything from chat.commands, and a little more for its last batch to
    /// commit, so each measurement starts without a backlog from the one before.
    /// </summary>
    public async Task WaitDrainedAsync(TimeSpan? limit = null)
    {
        var clock = Stopwatch.StartNew();
        while (await ReadyAsync(QueueNames.Commands) > 0)
        {
            if (clock.Elapsed > (limit ?? TimeSpan.FromSeconds(120))) throw new TimeoutException("chat.commands did not drain");
            await Task.Delay(200);
        }
        await Task.Delay(1000);
    }

    /// <summary>
    /// Publishes <paramref name="count"/> MessageChanged commands (numbers first..first+count-1) exactly as the API's
    /// CommandPublisher does: the same JSON (CommandJson), persistent, message id = command id, confirmed.
    /// Returns the seconds it took.
    /// </summary>
    public async Task<double> PrefillAsync(long applicationId, int chatNumber, int count, int first = 1)
    {
        var connection = await ConnectionAsync();
        // No client-side throttling: our own semaphore bounds what is in flight.
        var options = new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true,
            outstandingPublisherConfirmationsRateLimiter: null);
        var channels = new IChannel[4];
        for (var i = 0; i < channels.Length; i++) channels[i] = await connection.CreateChannelAsync(options);
        var clock = Stopwatch.StartNew();
        try
        {
            var now = DateTime.UtcNow;
            await Parallel.ForEachAsync(Enumerable.Range(first, count), new ParallelOptions { MaxDegreeOfParallelism = 2000 }, async (n, ct) =>
            {
                var command = new MessageChanged(Guid.NewGuid(), Change.Created,
                    new MessageState(applicationId, chatNumber, n, Guid.NewGuid(), Database.Body(n), null, null, now, now, null));
                var properties = new BasicProperties
                {
                    Persistent = true, MessageId = command.CommandId.ToString(), ContentType = "application/json",
                };
                await channels[n % channels.Length].BasicPublishAsync(QueueNames.Commands, "", false, properties, CommandJson.Serialize(command), ct);
            });
            return clock.Elapsed.TotalSeconds;
        }
        finally
        {
            foreach (var channel in channels) await channel.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null) await _connection.DisposeAsync();
    }
}
