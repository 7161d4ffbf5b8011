using Chat.Domain.Messaging;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Scaling;

/// <summary>
/// <c>ConnectionStrings:RabbitMq</c> may list the nodes of a cluster (<see cref="BrokerAddress"/>): the API and the worker
/// connect to whichever answers. Here the list starts with a node that refuses every connection, as a dead cluster node
/// does, and the real broker second; the endpoint order is shuffled on every attempt, so both orders are exercised.
/// </summary>
public sealed class BrokerNodeListTests
{
    [Test]
    public void TheAuthorityListsEveryNodeWithTheCredentialsAndVhostOfTheUri()
    {
        var broker = BrokerAddress.Parse("amqp://chat:s3cret@10.0.0.1:5701,10.0.0.2,[::1]:5703/chat_prod?heartbeat=10");

        Assert.That(broker.Endpoints.Select(e => (e.HostName, e.Port)), Is.EqualTo(new[] { ("10.0.0.1", 5701), ("10.0.0.2", 5672), ("::1", 5703) }));
        var factory = broker.Factory("test");
        Assert.That((factory.UserName, factory.Password, factory.VirtualHost), Is.EqualTo(("chat", "s3cret", "chat_prod")));
        Assert.That(BrokerAddress.Parse("amqps://u:p@h1,h2:5999/v").Endpoints.Select(e => (e.Port, e.Ssl.Enabled)),
            Is.EqualTo(new[] { (5671, true), (5999, true) }));
        Assert.Throws<FormatException>(() => BrokerAddress.Parse("http://h1:5672/chat"));
        Assert.Throws<FormatException>(() => BrokerAddress.Parse("amqp://chat:chat@h1,,h2/chat"));
    }

    [Test]
    public async Task TheApiAndTheWorkerGoOnThroughTheNodeThatAnswers()
    {
        var live = new Uri(TestServices.RabbitMq);
        var settings = new Dictionary<string, string?>
        {
            ["ConnectionStrings:RabbitMq"] = $"amqp://{live.UserInfo}@127.0.0.1:1,{live.Host}:{live.Port}{live.AbsolutePath}",
        };
        await using var api = new ApiFactory(settings);
        var client = api.CreateClient();
        var token = await api.CreateApplicationAsync();
        var chat = await client.CreateChatAsync(token, new { name = "cluster" });
        for (var i = 1; i <= 20; i++) await client.PostMessageAsync(token, chat, $"message {i}");

        await using var worker = await WorkerHost.StartAsync(settings);
        Assert.That(await WorkerHost.WaitForMessagesAsync(token, 20), Is.EqualTo(20), "the worker consumed through the list as well");
    }
}
