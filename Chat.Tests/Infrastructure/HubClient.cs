using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.SignalR.Client;

namespace Chat.Tests.Infrastructure;

/// <summary>
/// A SignalR client of one test host, recording every event it receives. TestServer has no WebSockets, so it
/// talks long polling through the host's in-memory handler; the hub and its events are the same either way.
/// </summary>
public sealed class HubClient : IAsyncDisposable
{
    /// <summary>How long an event may take to arrive: generous, since a loaded CI machine is slow; latency is what the benchmarks show.</summary>
    public static readonly TimeSpan Soon = TimeSpan.FromSeconds(5);

    public static readonly string[] Events = ["messageCreated", "messageUpdated", "messageDeleted", "receiptUpdated", "reactionAdded", "reactionRemoved", "typing"];

    private readonly Channel<(string Name, JsonElement Payload)> _received = Channel.CreateUnbounded<(string, JsonElement)>();

    private HubClient(HubConnection connection)
    {
        Connection = connection;
        foreach (var name in Events)
            connection.On<JsonElement>(name, payload => _received.Writer.TryWrite((name, payload)));
    }

    public HubConnection Connection { get; }

    /// <param name="credential">A user token (or the application secret) of <paramref name="application"/>, sent on every request
    /// of the connection as SignalR's accessTokenFactory does.</param>
    public static async Task<HubClient> ConnectAsync(WebApplicationFactory<Program> host, string? credential = null, string? application = null)
    {
        var path = application is null ? "/hubs/chat" : $"/hubs/chat?application={application}";
        var connection = new HubConnectionBuilder()
            .WithUrl(new Uri(host.Server.BaseAddress, path), o =>
            {
                o.HttpMessageHandlerFactory = _ => host.Server.CreateHandler();
                o.Transports = HttpTransportType.LongPolling;
                if (credential is not null) o.AccessTokenProvider = () => Task.FromResult<string?>(credential);
            })
            .Build();
        await connection.StartAsync();
        return new HubClient(connection);
    }

    public Task<JsonElement> JoinAsync(string token, int chat, string? user = null) =>
        Connection.InvokeAsync<JsonElement>("Join", token, chat, user);

    /// <summary>The next event, or null if none arrives in time.</summary>
    public async Task<(string Name, JsonElement Payload)?> NextAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            return await _received.Reader.ReadAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>The next event named <paramref name="name"/>, skipping others; fails the test if none arrives in time.</summary>
    public async Task<JsonElement> ExpectAsync(string name, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await NextAsync(deadline - DateTime.UtcNow) is { } next)
            if (next.Name == name) return next.Payload;
        Assert.Fail($"no '{name}' event within {timeout.TotalSeconds} s");
        return default;
    }

    /// <summary>Everything received until nothing more arrives for <paramref name="quiet"/>.</summary>
    public async Task<List<(string Name, JsonElement Payload)>> DrainAsync(TimeSpan quiet)
    {
        var events = new List<(string, JsonElement)>();
        while (await NextAsync(quiet) is { } next) events.Add(next);
        return events;
    }

    public async ValueTask DisposeAsync() => await Connection.DisposeAsync();
}
