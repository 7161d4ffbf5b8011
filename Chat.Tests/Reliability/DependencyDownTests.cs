using Chat.Contracts;
using System.Net;
using System.Net.Http.Json;
using Chat.Domain.Messaging;
using Chat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using RabbitMQ.Client;

namespace Chat.Tests.Reliability;

/// <summary>
/// A dependency that is down is the server's problem, not a bug: every endpoint that needs it answers 503 with
/// Retry-After, quickly, and nothing is logged as an unhandled exception.
/// </summary>
public sealed class DependencyDownTests
{
    // Nothing listens on port 1: connections are refused at once.
    private const string Nowhere = "127.0.0.1:1";

    [Test]
    public async Task MySqlDownIs503WithRetryAfterOnEveryEndpointThatNeedsIt()
    {
        await using var api = new ApiFactory(new Dictionary<string, string?>
        {
            ["ConnectionStrings:MySql"] = $"Server=127.0.0.1;Port=1;Database=chat;User ID=chat;Password=chat;Connection Timeout=2",
        });
        var client = api.CreateClient();
        var token = ApplicationToken.New(); // not cached: the lookup needs MySQL
        await ShouldBeUnavailableAsync(await client.PostAsJsonAsync("/applications", new { name = "x" }));
        await ShouldBeUnavailableAsync(await client.GetAsync($"/applications/{token}"));
        await ShouldBeUnavailableAsync(await client.SendJsonAsync(HttpMethod.Patch, $"/applications/{token}", new { name = "x" }));
        using var list = new HttpRequestMessage(HttpMethod.Get, "/applications") { Headers = { { "X-Admin-Key", TestServices.AdminKey } } };
        await ShouldBeUnavailableAsync(await client.SendAsync(list));
        Assert.That(Unhandled(api), Is.Empty);
    }

    [Test]
    public async Task APublishNoQueueTookIsAFailureNotAConfirm()
    {
        await using var api = new ApiFactory();
        var publisher = api.Services.GetRequiredService<CommandPublisher>();
        var unbound = $"test.unbound.{Guid.NewGuid():N}";
        await using var rabbit = await new ConnectionFactory { Uri = new Uri(TestServices.RabbitMq) }.CreateConnectionAsync();
        await using var channel = await rabbit.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(unbound, ExchangeType.Fanout, durable: false, autoDelete: false);
        try
        {
            // The broker acks a message it routed nowhere; only a mandatory publish hears of it (basic.return).
            Assert.ThrowsAsync<BrokerUnavailableException>(() => publisher.PublishAsync(unbound, "{}"u8.ToArray(), null, null, CancellationToken.None));
        }
        finally
        {
            await channel.ExchangeDeleteAsync(unbound);
        }
    }

    [Test]
    public async Task RabbitMqDownIs503WithRetryAfterAndTheChatIsNotShown()
    {
        await using var healthy = new ApiFactory();
        var token = await healthy.CreateApplicationAsync();
        await using var api = new ApiFactory(new Dictionary<string, string?>
        {
            ["ConnectionStrings:RabbitMq"] = $"amqp://chat:chat@{Nowhere}/chat",
        });
        var client = api.CreateClient();
        await ShouldBeUnavailableAsync(await client.PostAsJsonAsync($"/applications/{token}/chats", new { name = "x" }));
        await (await client.GetAsync($"/applications/{token}/chats/1")).ShouldBeProblemAsync(HttpStatusCode.NotFound);
        Assert.That(Unhandled(api), Is.Empty);
    }

    /// <summary>What the API itself logged as an error (EF logs every failed connection at Error on its own).</summary>
    private static List<string> Unhandled(ApiFactory api) =>
        api.Logs.Errors.Where(e => e.Category.StartsWith("Chat.") || e.Category.StartsWith("Microsoft.AspNetCore")).Select(e => e.ToString()).ToList();

    private static async Task ShouldBeUnavailableAsync(HttpResponseMessage response)
    {
        await response.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);
        Assert.That(response.Headers.RetryAfter?.Delta?.TotalSeconds, Is.GreaterThan(0), "Retry-After");
    }
}
