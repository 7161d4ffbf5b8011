using System.Text.Json;
using Chat.Api.Realtime;
using Chat.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Chat.Tests.Realtime;

/// <summary>Presence with a 2-second expiry, so that a replica that stops refreshing is noticed quickly.</summary>
public sealed class PresenceTests
{
    private readonly ApiFactory[] _factories = [new(), new()];
    private WebApplicationFactory<Program> _hostA = null!;
    private WebApplicationFactory<Program> _hostB = null!;

    [OneTimeSetUp]
    public void Start()
    {
        _hostA = QuickPresence(_factories[0]);
        _hostB = QuickPresence(_factories[1]);
    }

    private static WebApplicationFactory<Program> QuickPresence(ApiFactory factory) => factory.WithWebHostBuilder(web =>
    {
        web.UseSetting("Realtime:PresenceTtl", "00:00:02");
        web.UseSetting("Realtime:PresenceHeartbeat", "00:00:00.300");
    });

    [OneTimeTearDown]
    public async Task Stop()
    {
        await _hostA.DisposeAsync();
        await _hostB.DisposeAsync();
        foreach (var factory in _factories) await factory.DisposeAsync();
    }

    private async Task<(bool Online, DateTime? LastSeenAt)> PresenceAsync(string token, string user)
    {
        var presence = await _hostB.CreateClient().GetOkAsync($"/applications/{token}/users/{user}/presence");
        var lastSeen = presence.GetProperty("last_seen_at");
        return (presence.GetProperty("online").GetBoolean(), lastSeen.ValueKind == JsonValueKind.Null ? null : lastSeen.GetDateTime());
    }

    [Test]
    public async Task AMemberIsOnlineWhileConnectedAndOfflineWithLastSeenAfterDisconnecting()
    {
        var token = await _hostA.CreateClient().CreateApplicationAsync();
        var chat = await _hostA.CreateClient().CreateChatAsync(token, new { members = new[] { "alice" } });
        Assert.That(await PresenceAsync(token, "alice"), Is.EqualTo((false, (DateTime?)null)), "never seen");

        var hub = await HubClient.ConnectAsync(_hostA);
        await hub.JoinAsync(token, chat);
        Assert.That((await PresenceAsync(token, "alice")).Online, Is.False, "watching without a user id is not being online");
        await hub.JoinAsync(token, chat, "alice");
        Assert.That((await PresenceAsync(token, "alice")).Online, Is.True, "online on the other host too");
        await Task.Delay(TimeSpan.FromSeconds(3));
        Assert.That((await PresenceAsync(token, "alice")).Online, Is.True, "the heartbeat keeps it past the expiry");

        var disconnected = DateTime.UtcNow;
        await hub.DisposeAsync();
        Assert.That(await Eventually.HoldsAsync(async () => !(await PresenceAsync(token, "alice")).Online, TimeSpan.FromSeconds(5)), "offline");
        var lastSeen = (await PresenceAsync(token, "alice")).LastSeenAt;
        // The disconnect, not the join 3 s before it; a loaded machine may take a moment to hear the disconnect.
        Assert.That(lastSeen!.Value, Is.EqualTo(disconnected).Within(TimeSpan.FromSeconds(2)));
    }

    [Test]
    public async Task PresenceExpiresWhenTheReplicaStopsRefreshingIt()
    {
        await using var factory = new ApiFactory();
        await using var crashing = QuickPresence(factory);
        var token = await crashing.CreateClient().CreateApplicationAsync();
        var chat = await crashing.CreateClient().CreateChatAsync(token, new { members = new[] { "alice" } });
        await using var hub = await HubClient.ConnectAsync(crashing);
        await hub.JoinAsync(token, chat, "alice");
        Assert.That((await PresenceAsync(token, "alice")).Online, Is.True);

        // What a crashed replica does: nothing. Its connection stays open but is no longer refreshed.
        var stopped = DateTime.UtcNow;
        await crashing.Services.GetServices<IHostedService>().OfType<PresenceHeartbeat>().Single().StopAsync(CancellationToken.None);
        Assert.That(await Eventually.HoldsAsync(async () => !(await PresenceAsync(token, "alice")).Online, TimeSpan.FromSeconds(4)),
            "offline once the last heartbeat is older than the expiry");
        Assert.That((await PresenceAsync(token, "alice")).LastSeenAt!.Value, Is.EqualTo(stopped).Within(TimeSpan.FromSeconds(1)), "its last heartbeat");
    }
}
