using System.Text.Json;
using Chat.Domain;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Chat.Api.Realtime;

/// <summary>
/// A member who leaves or is removed stops receiving the chat's events (API.md): the replica that accepted the removal
/// tells every replica on a Redis channel, and each takes its own connections that stand for that user out of the chat's
/// group. Best effort, like the events themselves: Redis away, the connections stay until they leave or reconnect.
/// </summary>
public sealed partial class RemovedMembers(IConnectionMultiplexer redis, IOptions<ConnectionStringsOptions> connections,
    JoinedConnections joined, IHubContext<ChatHub> hub, ILogger<RemovedMembers> log) : IHostedService
{
    private sealed record Removal(long App, int Chat, string User);

    // Pub/sub channels are server-wide: deployments (and test runs) on other databases of the same Redis must not hear these.
    private readonly RedisChannel _channel = RedisChannel.Literal(
        $"chat-removed-members:{ConfigurationOptions.Parse(connections.Value.Redis).DefaultDatabase ?? 0}");

    public async Task PublishAsync(long app, int chat, string user)
    {
        try
        {
            await redis.GetSubscriber().PublishAsync(_channel, JsonSerializer.Serialize(new Removal(app, chat, user)));
        }
        catch (Exception e)
        {
            LogNotPublished(chat, e.Message);
        }
    }

    public Task StartAsync(CancellationToken ct) => redis.GetSubscriber().SubscribeAsync(_channel, (channel, message) =>
    {
        if (JsonSerializer.Deserialize<Removal>((string)message!) is not { } removal) return;
        foreach (var connectionId in joined.RemoveUser(removal.App, removal.Chat, removal.User))
            _ = hub.Groups.RemoveFromGroupAsync(connectionId, ChatEvents.Group(removal.App, removal.Chat));
    });

    public Task StopAsync(CancellationToken ct) => redis.GetSubscriber().UnsubscribeAsync(_channel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Removal of a member of chat {Chat} not published: {Reason}")]
    private partial void LogNotPublished(int chat, string reason);
}
