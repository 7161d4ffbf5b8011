using Chat.Domain.Search.Elasticsearch;

namespace Chat.Tests.Search;

public sealed class ElasticsearchDeleteAndHealthTests : ElasticsearchContractTests
{
    [Test]
    public async Task DeletingAChatIsRoutedAndFiltersOnTheChatKey()
    {
        Server.Respond(200, """
            {"took":147,"timed_out":false,"total":2,"deleted":2,"batches":1,"version_conflicts":0,"noops":0,
             "retries":{"bulk":0,"search":0},"throttled_millis":0,"requests_per_second":-1.0,"throttled_until_millis":0,"failures":[]}
            """);

        var result = await CreateIndex().DeleteByQueryAsync("7-3", "7", CancellationToken.None);

        var request = Server.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo("POST"));
            // conflicts=proceed: a message indexed meanwhile must not abort the delete.
            Assert.That(request.PathAndQuery, Is.EqualTo("/chat-messages/_delete_by_query?routing=7-3&conflicts=proceed"));
            Assert.That(result, Is.EqualTo(new DeleteByQueryResult(2, null)));
        });
        AssertJsonEqual(request.Body, """{"query":{"term":{"chat_key":{"value":"7-3"}}}}""");
    }

    [Test]
    public async Task DeletingAnApplicationRunsAsATaskOnEveryShard()
    {
        Server.Respond(200, """{"task":"oTUltX4IQMOUUVeiohTt8A:12345"}""");

        var result = await CreateIndex().DeleteByQueryAsync(null, "7", CancellationToken.None);

        var request = Server.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.PathAndQuery, Is.EqualTo("/chat-messages/_delete_by_query?conflicts=proceed&wait_for_completion=false"));
            Assert.That(result, Is.EqualTo(new DeleteByQueryResult(null, "oTUltX4IQMOUUVeiohTt8A:12345")));
        });
        AssertJsonEqual(request.Body, """{"query":{"term":{"app_key":{"value":"7"}}}}""");
    }

    [Test]
    public void DocumentsADeleteCouldNotDeleteAreAFailure()
    {
        Server.Respond(200, """
            {"took":10,"timed_out":false,"total":2,"deleted":1,"batches":1,"version_conflicts":0,"noops":0,
             "retries":{"bulk":0,"search":0},"failures":[
               {"index":"chat-messages-v1","id":"7-3:2","cause":{"type":"cluster_block_exception","reason":"index read-only"},"status":403}]}
            """);

        var error = Assert.ThrowsAsync<ElasticsearchException>(() => CreateIndex().DeleteByQueryAsync("7-3", "7", CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(error, Is.Not.InstanceOf<ElasticsearchUnavailableException>());
            Assert.That(error!.ErrorType, Is.EqualTo("cluster_block_exception"));
            Assert.That(error.Message, Does.Contain("index read-only"));
        });
    }

    [Test]
    public void ADeleteThatTimedOutIsUnavailable()
    {
        Server.Respond(200, """{"took":60000,"timed_out":true,"total":900,"deleted":400,"batches":1,"version_conflicts":0,"noops":0,"failures":[]}""");

        Assert.ThrowsAsync<ElasticsearchUnavailableException>(() => CreateIndex().DeleteByQueryAsync("7-3", "7", CancellationToken.None));
    }

    [Test]
    public async Task RefreshPostsToTheAlias()
    {
        Server.Respond(200, """{"_shards":{"total":1,"successful":1,"failed":0}}""");

        await CreateIndex().RefreshAsync(CancellationToken.None);

        var request = Server.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo("POST"));
            Assert.That(request.PathAndQuery, Is.EqualTo("/chat-messages/_refresh"));
        });
    }

    [Test]
    public async Task ReadyWhenTheClusterIsYellow()
    {
        Server.Respond(200, """
            {"cluster_name":"docker-cluster","status":"yellow","timed_out":false,"number_of_nodes":1,"number_of_data_nodes":1,
             "active_primary_shards":1,"active_shards":1,"relocating_shards":0,"initializing_shards":0,"unassigned_shards":1}
            """);

        var ready = await CreateIndex().IsReadyAsync(CancellationToken.None);

        var request = Server.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(ready, Is.True);
            Assert.That(request.Method, Is.EqualTo("GET"));
            Assert.That(request.PathAndQuery, Is.EqualTo("/_cluster/health?wait_for_status=yellow&timeout=1s"));
        });
    }

    [Test]
    public async Task NotReadyWhenTheHealthWaitTimesOutWith408()
    {
        Server.Respond(408, """
            {"cluster_name":"docker-cluster","status":"red","timed_out":true,"number_of_nodes":1,"number_of_data_nodes":1,
             "active_primary_shards":0,"active_shards":0,"relocating_shards":0,"initializing_shards":1,"unassigned_shards":0}
            """);

        Assert.That(await CreateIndex().IsReadyAsync(CancellationToken.None), Is.False);
    }

    [Test]
    public async Task NotReadyWhenTheClusterIsRed()
    {
        Server.Respond(200, """{"cluster_name":"docker-cluster","status":"red","timed_out":false,"number_of_nodes":1}""");

        Assert.That(await CreateIndex().IsReadyAsync(CancellationToken.None), Is.False);
    }

    [Test]
    public async Task NotReadyWhenNothingListens() =>
        Assert.That(await CreateIndex(address: RecordingHttpListener.UnusedAddress()).IsReadyAsync(CancellationToken.None), Is.False);

    [Test]
    public void RejectedCredentialsAreAnErrorNotAWait()
    {
        Server.Respond(401, """
            {"error":{"root_cause":[{"type":"security_exception","reason":"missing authentication credentials"}],
             "type":"security_exception","reason":"missing authentication credentials"},"status":401}
            """);

        var error = Assert.ThrowsAsync<ElasticsearchException>(() => CreateIndex().IsReadyAsync(CancellationToken.None));

        Assert.That(error!.ErrorType, Is.EqualTo("security_exception"));
    }
}
