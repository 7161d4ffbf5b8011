using System.Net;
using Chat.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using HubException = Microsoft.AspNetCore.SignalR.HubException;

namespace Chat.Tests.Realtime;

/// <summary>
/// The hub with credentials (API.md, "Authentication", Hub): a user token is checked when the connection is made, the
/// connection closes when it expires, a member who leaves or is removed stops receiving the chat's events on every
/// replica, and joins are rate-limited per connection.
/// </summary>
public sealed class HubAuthenticationTests : TwoApiHosts
{
    [Test]
    public async Task AConnectionMadeWithAUserTokenIsClosedWhenTheTokenExpires()
    {
        var (token, secret) = await HostA.CreateClient().CreateApplicationWithSecretAsync("user_tokens");
        await HostA.CreateClient().SendAsAsync(secret, HttpMethod.Post, $"/applications/{token}/chats", new { members = new[] { "alice" } });
        var now = DateTimeOffset.UtcNow;
        var shortLived = UserTokens.Sign(secret, new Dictionary<string, object>
            { ["sub"] = "alice", ["iat"] = now.ToUnixTimeSeconds(), ["exp"] = now.AddSeconds(4).ToUnixTimeSeconds() });

        await using var alice = await HubClient.ConnectAsync(HostA, shortLived, token);
        var closed = new TaskCompletionSource();
        alice.Connection.Closed += _ => { closed.TrySetResult(); return Task.CompletedTask; };
        await alice.JoinAsync(token, 1, "alice");

        var clock = System.Diagnostics.Stopwatch.StartNew();
        Assert.That(await Task.WhenAny(closed.Task, Task.Delay(TimeSpan.FromSeconds(20))), Is.SameAs(closed.Task), "closed when the token expired");
        TestContext.Out.WriteLine($"closed {clock.Elapsed.TotalSeconds:0.0} s after joining (token valid for 4 s)");
        Assert.That(alice.Connection.State, Is.EqualTo(HubConnectionState.Disconnected));
    }

    [Test]
    public async Task ARemovedMemberStopsReceivingTheChatsEventsOnEveryReplica()
    {
        var (token, secret) = await HostA.CreateClient().CreateApplicationWithSecretAsync("user_tokens");
        var server = HostB.CreateClient();
        await server.SendAsAsync(secret, HttpMethod.Post, $"/applications/{token}/chats", new { members = new[] { "alice", "bob", "carol" } });
        await using var alice = await HubClient.ConnectAsync(HostA, UserTokens.For(secret, "alice"), token);
        await using var aliceWatching = await HubClient.ConnectAsync(HostA, UserTokens.For(secret, "alice"), token);
        await using var carol = await HubClient.ConnectAsync(HostB, UserTokens.For(secret, "carol"), token);
        await alice.JoinAsync(token, 1, "alice");
        await aliceWatching.JoinAsync(token, 1);
        await carol.JoinAsync(token, 1, "carol");

        (await server.SendAsAsync(secret, HttpMethod.Post, $"/applications/{token}/chats/1/messages", new { body = "before", sender = "bob" }))
            .EnsureSuccessStatusCode();
        foreach (var client in new[] { alice, aliceWatching, carol })
        {
            await client.ExpectAsync("messageCreated", HubClient.Soon);
            await client.ExpectAsync("receiptUpdated", HubClient.Soon); // bob's cursors moved past his own message
        }

        // Removed through host B; alice's connections are on host A.
        (await server.SendAsAsync(secret, HttpMethod.Delete, $"/applications/{token}/chats/1/members/alice")).EnsureSuccessStatusCode();
        (await server.SendAsAsync(secret, HttpMethod.Post, $"/applications/{token}/chats/1/messages", new { body = "after", sender = "bob" }))
            .EnsureSuccessStatusCode();

        Assert.That((await carol.ExpectAsync("messageCreated", HubClient.Soon)).GetProperty("message").GetProperty("body").GetString(), Is.EqualTo("after"));
        Assert.That(await alice.DrainAsync(TimeSpan.FromMilliseconds(700)), Is.Empty, "the removed member's connection left the chat");
        Assert.That(await aliceWatching.DrainAsync(TimeSpan.FromMilliseconds(100)), Is.Empty, "so did the one that only watched");
        var typing = Assert.ThrowsAsync<HubException>(() => alice.Connection.InvokeAsync("Typing", token, 1));
        Assert.That(typing!.Message, Does.Contain("403"));
        Assert.ThrowsAsync<HubException>(() => alice.JoinAsync(token, 1), "nor can it join again: the chat has members, alice is not one");
    }

    [Test]
    public async Task AMemberWhoLeavesInOpenModeStopsReceivingToo()
    {
        var token = await HostA.CreateApplicationAsync();
        var chat = await HostB.CreateClient().CreateChatAsync(token, new { members = new[] { "alice", "bob" } });
        await using var alice = await HubClient.ConnectAsync(HostA);
        await alice.JoinAsync(token, chat, "alice");

        (await HostB.CreateClient().DeleteAsync($"/applications/{token}/chats/{chat}/members/alice")).EnsureSuccessStatusCode();
        await HostB.CreateClient().PostMessageAsync(token, chat, "after", sender: "bob");
        Assert.That(await alice.DrainAsync(TimeSpan.FromMilliseconds(700)), Is.Empty);
    }

    [Test]
    public async Task JoinIsRateLimitedPerConnection()
    {
        await using var api = new ApiFactory(new Dictionary<string, string?> { ["Realtime:JoinsPerSecond"] = "3" });
        var token = await api.CreateApplicationAsync();
        var chat = await api.CreateClient().CreateChatAsync(token, new { });
        await using var client = await HubClient.ConnectAsync(api);

        var refusals = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            try
            {
                await client.JoinAsync(token, chat);
            }
            catch (HubException e)
            {
                refusals.Add(e.Message);
            }
        }
        Assert.That(refusals, Has.Count.InRange(2, 5), "3 a second; a burst straddling a window boundary may get twice that");
        Assert.That(refusals, Has.All.Contains("429"));
    }

    [Test]
    public async Task ABadCredentialIsRefusedWhenConnectingAndAGoodOneNeedsTheApplication()
    {
        var (token, secret) = await HostA.CreateClient().CreateApplicationWithSecretAsync("user_tokens");
        var expired = UserTokens.For(secret, "alice", TimeSpan.FromMinutes(-5));
        var error = Assert.ThrowsAsync<HttpRequestException>(() => HubClient.ConnectAsync(HostA, expired, token));
        Assert.That(error!.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized));
        var unnamed = Assert.ThrowsAsync<HttpRequestException>(() => HubClient.ConnectAsync(HostA, UserTokens.For(secret, "alice")));
        Assert.That(unnamed!.StatusCode, Is.EqualTo(HttpStatusCode.Unauthorized), "which application's secret signs it must be named");
    }
}
