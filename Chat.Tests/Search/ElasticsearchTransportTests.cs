using System.Diagnostics;
using Chat.Domain.Search.Elasticsearch;

namespace Chat.Tests.Search;

/// <summary>What the official client does on the wire and when the wire fails, and what the product makes of it.</summary>
public sealed class ElasticsearchTransportTests : ElasticsearchContractTests
{
    private const string NoHits = """{"took":1,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},"hits":{"hits":[]}}""";

    private static readonly MessageDocument Message = new("7-3", "7", 1, "a", DateTimeOffset.UnixEpoch);

    [Test]
    public async Task RequestsAskForVersion9CompatibilityAndAreCompressed()
    {
        Server.Respond(200, NoHits);

        await CreateIndex().SearchAsync("7-3", "hello", 20, null, CancellationToken.None);

        var request = Server.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.Accept, Is.EqualTo("application/vnd.elasticsearch+json;compatible-with=9"));
            Assert.That(request.ContentEncoding, Is.EqualTo("gzip"));
        });
    }

    [Test]
    public void AServerThatDoesNotSayItIsElasticsearchIsRefused()
    {
        Server.Respond(200, NoHits, product: false);

        var error = Assert.ThrowsAsync<ElasticsearchUnavailableException>(() =>
            CreateIndex().SearchAsync("7-3", "hello", 20, null, CancellationToken.None));

        Assert.That(error!.Message, Does.Contain("did not identify itself as Elasticsearch"));
    }

    [TestCase(502, true, TestName = "AProxysHtmlPageFor502IsUnavailable")]
    [TestCase(403, false, TestName = "AProxysHtmlPageFor403IsARefusal")]
    public void AProxysHtmlErrorPageIsReadByItsStatus(int status, bool transient)
    {
        Server.Respond(status, "<html><head><title>Bad Gateway</title></head><body><h1>nginx</h1></body></html>", "text/html", product: false);

        var error = Assert.ThrowsAsync(Is.InstanceOf<ElasticsearchException>(), () =>
            CreateIndex().SearchAsync("7-3", "hello", 20, null, CancellationToken.None)) as ElasticsearchException;

        Assert.Multiple(() =>
        {
            Assert.That(error, transient ? Is.InstanceOf<ElasticsearchUnavailableException>() : Is.Not.InstanceOf<ElasticsearchUnavailableException>());
            Assert.That(error!.Status, Is.EqualTo(status));
            Assert.That(error.Message, Does.Contain("text/html").And.Contain("not an Elasticsearch error"));
        });
    }

    [Test]
    public void ConnectionRefusedIsUnavailable()
    {
        var index = CreateIndex(maxRetries: 2, address: RecordingHttpListener.UnusedAddress());

        var search = Assert.ThrowsAsync<ElasticsearchUnavailableException>(() => index.SearchAsync("7-3", "hello", 20, null, CancellationToken.None));
        var bulk = Assert.ThrowsAsync<ElasticsearchUnavailableException>(() => index.BulkAsync([new BulkOperation.Index(Message)], CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(search!.Status, Is.Null, "no response arrived");
            Assert.That(search.Message, Does.Contain("refused"));
            Assert.That(bulk!.Message, Does.Contain("after 2 retries"));
        });
    }

    [Test]
    public void ARequestPastItsTimeoutIsUnavailable()
    {
        Server.Respond(200, NoHits, delay: TimeSpan.FromSeconds(5));
        var clock = Stopwatch.StartNew();

        var error = Assert.ThrowsAsync<ElasticsearchUnavailableException>(() =>
            CreateIndex(requestTimeout: TimeSpan.FromMilliseconds(300)).SearchAsync("7-3", "hello", 20, null, CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromSeconds(4)), "the client's timeout, not the server's answer, ended it");
            Assert.That(error!.Status, Is.Null);
        });
    }

    [Test]
    public void TheCallersCancellationIsACancellationNotAnOutage()
    {
        Server.Respond(200, """{"took":1,"errors":false,"items":[]}""", delay: TimeSpan.FromSeconds(3));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        // The client returns a failed response for it (it does not throw): retrying or dead-lettering would be wrong.
        Assert.CatchAsync<OperationCanceledException>(() => CreateIndex(maxRetries: 3).BulkAsync([new BulkOperation.Index(Message)], cancel.Token));

        Assert.That(Server.Requests, Has.Count.EqualTo(1), "not retried");
    }
}
