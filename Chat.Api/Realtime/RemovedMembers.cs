using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.AspNetCore.SignalR;
using StackExchange.Redis;

namespace Chat.Api.Realtime;

/// <summary>
/// A member who leaves or is removed stops receiving the chat's events (API.md): the replica that accepted the removal
/// tells every replica on a Redis channel, each takes its own connections that stand for that user out of the chat's
/// group and acknowledges, and the removal answers once every replica that heard it has acknowledged. So an event of a
/// write accepted after the removal answered never reaches the removed member: the events travel on the backplane's own
/// connections, which give no order against this channel. A replica that does not acknowledge within
/// <see cref="AcknowledgeWithin"/> is logged and not waited for (Redis away: the connections stay until they leave).
/// </summary>
public sealed partial class RemovedMembers(IConnectionMultiplexer redis, JoinedConnections joined, IHubContext<ChatHub> hub, ILogger<RemovedMembers> log) : IHostedService
{
    private static readonly TimeSpan AcknowledgeWithin = TimeSpan.FromSeconds(2);

    private sealed record Removal(string Id, long App, int Chat, string User);

    // Pub/sub channels are server-wide: deployments (and test runs) on other databases of the same Redis must not hear these.
    // Sharded (SPUBLISH, Redis 7): every replica subscribes on the node that owns the channel's slot, so the count a
    // publish returns is every replica. A plain channel's subscribers spread over a cluster's nodes, and PUBLISH counts
    // only those of the node it reached.
    private readonly RedisChannel _removals = RedisChannel.Sharded($"chat-removed-members:{redis.GetDatabase().Database}");
    private readonly RedisChannel _acknowledgements = RedisChannel.Sharded($"chat-removed-members-acks:{redis.GetDatabase().Database}");

    private readonly ConcurrentDictionary<string, Acknowledgements> _waiting = new();

    public async Task PublishAsync(long app, int chat, string user)
    {
        var removal = new Removal(Guid.NewGuid().ToString("N"), app, chat, user);
        var acknowledgements = _waiting[removal.Id] = new Acknowledgements();
        try
        {
            var replicas = await redis.GetSubscriber().PublishAsync(_removals, JsonSerializer.Serialize(removal));
            if (!await acknowledgements.AllAsync(replicas, AcknowledgeWithin))
                LogNotAcknowledged(chat, acknowledgements.Count, replicas);
        }
        catch (Exception e)
        {
            LogNotPublished(chat, e.Message);
        }
        finally
        {
            _waiting.TryRemove(removal.Id, out _);
        }
    }

    public async Task StartAsync(CancellationToken ct)
    {
        var subscriber = redis.GetSubscriber();
        // Acknowledgements first: from its subscription to removals on, this replica counts among those its own
        // removals wait for.
        await subscriber.SubscribeAsync(_acknowledgements, (_, id) =>
        {
            if (_waiting.TryGetValue(id!, out var acknowledgements)) acknowledgements.Add();
        });
        await subscriber.SubscribeAsync(_removals, (channel, message) => _ = RemoveAndAcknowledgeAsync(message!));
    }

    public async Task StopAsync(CancellationToken ct)
    {
        await redis.GetSubscriber().UnsubscribeAsync(_removals);
        await redis.GetSubscriber().UnsubscribeAsync(_acknowledgements);
    }

    private async Task RemoveAndAcknowledgeAsync(string message)
    {
        try
        {
            if (JsonSerializer.Deserialize<Removal>(message) is not { } removal) return;
            var group = ChatEvents.Group(removal.App, removal.Chat);
            await Task.WhenAll(joined.RemoveUser(removal.App, removal.Chat, removal.User)
                .Select(connectionId => hub.Groups.RemoveFromGroupAsync(connectionId, group)));
            await redis.GetSubscriber().PublishAsync(_acknowledgements, removal.Id);
        }
        catch (Exception e)
        {
            LogNotRemoved(e.Message);
        }
    }

    /// <summary>Counts the replicas' acknowledgements of one removal, which may come before the number expected is known.</summary>
    private sealed class Acknowledgements
    {
        private readonly Lock _lock = new();
        private readonly TaskCompletionSource _all = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _expected = long.MaxValue;

        public long Count { get; private set; }

        public void Add()
        {
            lock (_lock)
            {
                Count++;
                if (Count >= _expected) _all.TrySetResult();
            }
        }

        public async Task<bool> AllAsync(long expected, TimeSpan within)
        {
            lock (_lock)
            {
                _expected = expected;
                if (Count >= _expected) _all.TrySetResult();
            }
            return await Task.WhenAny(_all.Task, Task.Delay(within)) == _all.Task;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removal of a member of chat {Chat} not published: {Reason}")]
    private partial void LogNotPublished(int chat, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "A member's connections not taken out of a chat: {Reason}")]
    private partial void LogNotRemoved(string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removal of a member of chat {Chat} acknowledged by {Acknowledged} of {Replicas} replicas in time; the others may still send it the chat's events")]
    private partial void LogNotAcknowledged(int chat, long acknowledged, long replicas);
}
