using Chat.Contracts;
using System.Net;
using System.Text;
using Chat.Domain.Search;
using Chat.Domain.Search.Indexing;
using Chat.Tests.Infrastructure;
using RabbitMQ.Client;
using RabbitMQ.Client.Exceptions;

namespace Chat.Tests.Search;

/// <summary>
/// The indexing path against an Elasticsearch stand-in on a <see cref="RecordingHttpListener"/>: the worker
/// publishes index commands after each batch commits and its indexer writes them in bulk, separately from
/// persistence, so Elasticsearch being away delays search and never persistence or loses anything.
/// </summary>
public sealed class IndexingTests
{
    private ApiFactory _api = null!;
    private SearchTestHost _host = null!;

    [OneTimeSetUp]
    public void Start()
    {
        // The API's provider does not matter for indexing, which is the worker's job.
        _api = new ApiFactory(new Dictionary<string, string?> { ["Search:Provider"] = "database" });
        _host = new SearchTestHost(_api);
    }

    [OneTimeTearDown]
    public async Task Stop() => await _api.DisposeAsync();

    [Test]
    public async Task MessagesArePersistedWhileElasticsearchIsUnreachableAndAllIndexedOnceItAnswers()
    {
        var port = RecordingHttpListener.FreePort();
        var (token, chat) = await NewChatAsync();
        var bodies = new Dictionary<int, string>();
        await using var worker = await WorkerHost.StartAsync(ElasticsearchWorker(new Uri($"http://127.0.0.1:{port}/")));
        for (var i = 1; i <= 40; i++)
        {
            var number = await _host.PostAsync(token, chat, $"message {i}");
            bodies[number] = $"message {i}";
        }
        await _host.EditAsync(token, chat, 7, "message 7, edited");
        bodies[7] = "message 7, edited";
        await _host.DeleteAsync(token, chat, 8);
        bodies.Remove(8);

        // The count alone passes 39 on the way to 40; wait for the final state: the edit and the deletion applied.
        Assert.That(await Eventually.HoldsAsync(async () =>
            (await Database.MessagesAsync(token)).Select(m => (m.Number, m.Body)).SequenceEqual(bodies.OrderBy(b => b.Key).Select(b => (b.Key, b.Value)))),
            Is.True, "persisted, with the edit and the deletion, although Elasticsearch is unreachable");

        using var elasticsearch = new FakeElasticsearch(port);
        var chatKey = await ChatKeyAsync(token, chat);
        var stored = await StoredEventuallyAsync(elasticsearch, chatKey, bodies.Count);

        Assert.That(stored, Is.EquivalentTo(bodies), "the index holds every live message with its latest body");
        Assert.That(elasticsearch.Indexed().Where(d => d.ChatKey == chatKey).Select(d => d.Number).Distinct().Order(),
            Is.EqualTo(Enumerable.Range(1, 40)), "bulk requests covered every document");
        var requests = elasticsearch.Server.Requests.Select(r => $"{r.Method} {r.PathAndQuery}").ToList();
        Assert.That(requests.IndexOf("PUT /chat-messages-v1"), Is.LessThan(requests.FindIndex(r => r.Contains("/_bulk"))).And.Not.Negative,
            "the index is created before the first write");
    }

    [Test]
    public async Task BatchesWaitWhileElasticsearchAnswers503AndAreAllIndexedWhenItRecovers()
    {
        using var elasticsearch = new FakeElasticsearch();
        var (token, chat) = await NewChatAsync();
        // A hold limit this short also sends the waiting batches round the queue again.
        var settings = ElasticsearchWorker(elasticsearch.Server.BaseAddress);
        settings["Search:IndexHoldLimit"] = "00:00:00.500";
        await using var worker = await WorkerHost.StartAsync(settings);
        var chatKey = await ChatKeyAsync(token, chat);
        await _host.PostAsync(token, chat, "before the outage");
        await StoredEventuallyAsync(elasticsearch, chatKey, 1);

        elasticsearch.Down = true;
        for (var i = 1; i <= 20; i++) await _host.PostAsync(token, chat, $"during the outage {i}");
        Assert.That(await WorkerHost.WaitForMessagesAsync(token, 21), Is.EqualTo(21), "persistence goes on");
        await Task.Delay(TimeSpan.FromSeconds(1.5));
        var refused = elasticsearch.Server.Requests.Count(r => r.PathAndQuery.Contains("/_bulk"));
        Assert.That(elasticsearch.Stored(chatKey), Has.Count.EqualTo(1));

        elasticsearch.Down = false;
        await StoredEventuallyAsync(elasticsearch, chatKey, 21);
        Assert.That(refused, Is.GreaterThan(2), "the indexer kept retrying during the outage");
        Assert.That(worker.Logs.Entries.Any(e => e.Message.Contains("put back in chat.index")), Is.True,
            "past the hold limit the waiting batches went round the queue again");
    }

    [Test]
    public async Task DocumentElasticsearchRejectsIsDeadLetteredWithTheReasonAndTheOthersAreIndexed()
    {
        using var elasticsearch = new FakeElasticsearch { RejectBodiesContaining = "poison" };
        var (token, chat) = await NewChatAsync();
        await using var worker = await WorkerHost.StartAsync(ElasticsearchWorker(elasticsearch.Server.BaseAddress));
        await _host.PostAsync(token, chat, "good one");
        var poison = await _host.PostAsync(token, chat, "poison pill");
        await _host.PostAsync(token, chat, "good two");

        var chatKey = await ChatKeyAsync(token, chat);
        Assert.That((await StoredEventuallyAsync(elasticsearch, chatKey, 2)).Values, Is.EquivalentTo(new[] { "good one", "good two" }));

        var (body, reason) = await DeadLetterAsync(chatKey);
        Assert.That(body, Does.Contain("poison pill").And.Contain($"\"number\":{poison}"));
        Assert.That(reason, Does.Contain("400").And.Contain("mapper_parsing_exception"));
    }

    [Test]
    public async Task DeletedChatsAndApplicationsLoseTheirDocumentsByQuery()
    {
        using var elasticsearch = new FakeElasticsearch();
        var (token, chat) = await NewChatAsync();
        var other = await _host.CreateChatAsync(token);
        await using var worker = await WorkerHost.StartAsync(ElasticsearchWorker(elasticsearch.Server.BaseAddress));
        await _host.PostAsync(token, chat, "in the doomed chat");
        await _host.PostAsync(token, other, "in the doomed application");
        var (chatKey, otherKey) = (await ChatKeyAsync(token, chat), await ChatKeyAsync(token, other));
        await StoredEventuallyAsync(elasticsearch, chatKey, 1);
        await StoredEventuallyAsync(elasticsearch, otherKey, 1);
        var appKey = chatKey.Split('-')[0];

        using (var response = await _host.Client.DeleteAsync($"/applications/{token}/chats/{chat}"))
            await response.ShouldBeAsync(HttpStatusCode.NoContent);
        await StoredEventuallyAsync(elasticsearch, chatKey, 0);
        Assert.That(elasticsearch.Stored(otherKey), Has.Count.EqualTo(1), "only that chat's documents go");

        using (var response = await _host.Client.DeleteAsync($"/applications/{token}"))
            await response.ShouldBeAsync(HttpStatusCode.NoContent);
        await StoredEventuallyAsync(elasticsearch, otherKey, 0);

        var deletes = elasticsearch.Server.Requests.Where(r => r.PathAndQuery.Contains("/_delete_by_query")).ToList();
        Assert.That(deletes.Select(r => r.PathAndQuery), Has.Some.Contains($"routing={chatKey}"));
        Assert.That(deletes.Select(r => r.Body), Has.Some.Contains($"\"app_key\":{{\"value\":\"{appKey}\"}}"));
        var requests = elasticsearch.Server.Requests.ToList();
        var firstDelete = requests.FindIndex(r => r.PathAndQuery.Contains("/_delete_by_query"));
        Assert.That(requests[firstDelete - 1].PathAndQuery, Does.EndWith("/_refresh"), "refreshed first, so just-indexed documents go too");
    }

    [Test]
    public async Task DatabaseProviderPublishesNoIndexCommands()
    {
        var before = await IndexQueueDepthAsync();
        var (token, chat) = await NewChatAsync();
        await using (await WorkerHost.StartAsync(new Dictionary<string, string?> { ["Search:Provider"] = "database" }))
        {
            for (var i = 0; i < 5; i++) await _host.PostAsync(token, chat, $"not indexed {i}");
            Assert.That(await WorkerHost.WaitForMessagesAsync(token, 5), Is.EqualTo(5));
        }
        Assert.That(await IndexQueueDepthAsync(), Is.EqualTo(before));
    }

    [Test]
    public async Task ReadinessNamesElasticsearchAndSearchIs503WhileItIsUnreachable()
    {
        using var elasticsearch = new FakeElasticsearch();
        await using (var up = new ApiFactory(ElasticsearchApi(elasticsearch.Server.BaseAddress)))
        using (var response = await up.CreateClient().GetReadinessAsync())
        {
            var search = (await response.ShouldBeAsync(HttpStatusCode.OK)).GetProperty("checks").GetProperty("search");
            Assert.That(search.GetProperty("status").GetString(), Is.EqualTo("Healthy"));
            Assert.That(search.GetProperty("description").GetString(), Is.EqualTo("elasticsearch"));
        }

        var (token, chat) = await NewChatAsync();
        await using (await WorkerHost.StartAsync())
            await WorkerHost.WaitForChatsAsync(token, 1);
        await using var down = new ApiFactory(ElasticsearchApi(RecordingHttpListener.UnusedAddress()));
        var client = down.CreateClient();
        using (var response = await client.GetReadinessAsync())
        {
            var search = (await response.ShouldBeAsync(HttpStatusCode.OK)).GetProperty("checks").GetProperty("search");
            Assert.That(search.GetProperty("status").GetString(), Is.EqualTo("Degraded"), "search down does not take the replica out");
        }
        using (var response = await client.GetAsync(SearchTestHost.Url(token, chat, "anything")))
        {
            await response.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);
            Assert.That(response.Headers.RetryAfter, Is.Not.Null);
        }
    }

    private static Dictionary<string, string?> ElasticsearchApi(Uri url) => new()
    {
        ["Search:Provider"] = "elasticsearch",
        ["Elasticsearch:Url"] = url.ToString(),
    };

    /// <summary>Short back-offs, so an outage and its end play out in seconds.</summary>
    private static Dictionary<string, string?> ElasticsearchWorker(Uri url) => new(ElasticsearchApi(url))
    {
        ["Elasticsearch:MaxRetries"] = "1",
        ["Elasticsearch:BaseDelay"] = "00:00:00.010",
        ["Elasticsearch:RequestTimeout"] = "00:00:02",
        ["Search:IndexRetryDelay"] = "00:00:00.100",
    };

    private async Task<(string Token, int Chat)> NewChatAsync()
    {
        var token = await _api.CreateApplicationAsync();
        return (token, await _host.CreateChatAsync(token));
    }

    private static async Task<string> ChatKeyAsync(string token, int chat) =>
        SearchKeys.Chat(await Database.ScalarAsync<long>("SELECT id FROM applications WHERE token = @t", ("@t", token)), chat);

    private static async Task<IReadOnlyDictionary<int, string>> StoredEventuallyAsync(FakeElasticsearch elasticsearch, string chatKey, int count)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        IReadOnlyDictionary<int, string> stored;
        while ((stored = elasticsearch.Stored(chatKey)).Count != count && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.That(stored, Has.Count.EqualTo(count), $"documents of chat {chatKey} in the index");
        return stored;
    }

    private static async Task<(string Body, string Reason)> DeadLetterAsync(string chatKey)
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(TestServices.RabbitMq) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (await channel.BasicGetAsync(IndexTopology.Dead, autoAck: false) is not { } message)
            {
                await Task.Delay(100);
                continue;
            }
            var body = Encoding.UTF8.GetString(message.Body.Span);
            if (body.Contains($"\"chat_key\":\"{chatKey}\""))
                return (body, Encoding.UTF8.GetString((byte[])message.BasicProperties.Headers!["x-reason"]!));
        }
        Assert.Fail($"nothing of chat {chatKey} reached {IndexTopology.Dead}");
        return default;
    }

    /// <summary>Messages waiting in chat.index; 0 when it was never declared.</summary>
    private static async Task<uint> IndexQueueDepthAsync()
    {
        await using var connection = await new ConnectionFactory { Uri = new Uri(TestServices.RabbitMq) }.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        try
        {
            return (await channel.QueueDeclarePassiveAsync(IndexTopology.Queue)).MessageCount;
        }
        catch (OperationInterruptedException)
        {
            return 0;
        }
    }
}
