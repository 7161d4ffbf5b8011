using Chat.Domain.Search.Elasticsearch;

namespace Chat.Tests.Search;

public sealed class ElasticsearchDeleteAndHealthTests : ElasticsearchContractTests
{
    [Test]
    public async Task DeletingChatIsRoutedAndFiltersOnChatKey()
    {
        Server.Respond(200, """
            {"took":147,"timed_out":false,"total":2,"deleted":2,"batches":1,"version_conflicts":0,"noops":0,
             "retries":{"bulk":0,"search":0},"throttled_millis":0,"requests_per_second":-1.0,"throttled_until_millis":0,"failures":[]}
            """);

        var result = await CreateClient().DeleteByQueryAsync("app1:7", "app1");

        var request = Server.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo("POST"));
            Assert.That(request.PathAndQuery, Is.EqualTo("/chat-messages/_delete_by_query?routing=app1%3A7&conflicts=proceed"));
            Assert.That(request.ContentType, Is.EqualTo("application/json"));
            Assert.That(result, Is.EqualTo(new DeleteByQueryResult(2, null)));
        });
        AssertJsonEqual(request.Body, """{"query":{"term":{"chat_key":"app1:7"}}}""");
    }

    [Test]
    public async Task DeletingApplicationRunsAsTaskOnEveryShard()
    {
        Server.Respond(200, """{"task":"oTUltX4IQMOUUVeiohTt8A:12345"}""");

        var result = await CreateClient().DeleteByQueryAsync(null, "app1");

        var request = Server.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.PathAndQuery, Does.StartWith("/chat-messages/_delete_by_query?"));
            Assert.That(request.PathAndQuery, Does.Contain("wait_for_completion=false"));
            Assert.That(request.PathAndQuery, Does.Not.Contain("routing"));
            Assert.That(result, Is.EqualTo(new DeleteByQueryResult(null, "oTUltX4IQMOUUVeiohTt8A:12345")));
        });
        AssertJsonEqual(request.Body, """{"query":{"term":{"app_key":"app1"}}}""");
    }

    [Test]
    public void DeletingChatThrowsWhenDocumentsFailed()
    {
        Server.Respond(200, """
            {"took":10,"timed_out":false,"total":2,"deleted":1,"batches":1,"version_conflicts":0,"noops":0,
             "retries":{"bulk":0,"search":0},"failures":[
               {"index":"chat-messages-v1","id":"app1:7:2","cause":{"type":"cluster_block_exception","reason":"index read-only"},"status":403}]}
            """);

        var error = Assert.ThrowsAsync<ElasticsearchException>(() => CreateClient().DeleteByQueryAsync("app1:7", "app1"));

        Assert.That(error!.ErrorType, Is.EqualTo("cluster_block_exception"));
    }

    [Test]
    public async Task RefreshPostsToTheAlias()
    {
        Server.Respond(200, """{"_shards":{"total":1,"successful":1,"failed":0}}""");

        await CreateClient().RefreshAsync();

        var request = Server.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo("POST"));
            Assert.That(request.PathAndQuery, Is.EqualTo("/chat-messages/_refresh"));
        });
    }

    [Test]
    public async Task ReadyWhenClusterIsYellow()
    {
        Server.Respond(200, """
            {"cluster_name":"docker-cluster","status":"yellow","timed_out":false,"number_of_nodes":1,"number_of_data_nodes":1,
             "active_primary_shards":1,"active_shards":1,"relocating_shards":0,"initializing_shards":0,"unassigned_shards":1}
            """);

        var ready = await CreateClient().IsReadyAsync();

        var request = Server.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(ready, Is.True);
            Assert.That(request.Method, Is.EqualTo("GET"));
            Assert.That(request.PathAndQuery, Is.EqualTo("/_cluster/health?wait_for_status=yellow&timeout=1s"));
        });
    }

    [Test]
    public async Task NotReadyWhenHealthWaitTimesOut()
    {
        Server.Respond(408, """
            {"cluster_name":"docker-cluster","status":"red","timed_out":true,"number_of_nodes":1,"number_of_data_nodes":1,
             "active_primary_shards":0,"active_shards":0,"relocating_shards":0,"initializing_shards":1,"unassigned_shards":0}
            """);

        Assert.That(await CreateClient().IsReadyAsync(), Is.False);
    }

    [Test]
    public async Task NotReadyWhenClusterIsRed()
    {
        Server.Respond(200, """{"cluster_name":"docker-cluster","status":"red","timed_out":false,"number_of_nodes":1}""");

        Assert.That(await CreateClient().IsReadyAsync(), Is.False);
    }

    [Test]
    public async Task NotReadyWhenEndpointIsDown()
    {
        var client = CreateClient(address: RecordingHttpListener.UnusedAddress());

        Assert.That(await client.IsReadyAsync(), Is.False);
    }

    [Test]
    public void HealthCheckThrowsWhenCredentialsAreRejected()
    {
        Server.Respond(401, """
            {"error":{"root_cause":[{"type":"security_exception","reason":"missing authentication credentials"}],
             "type":"security_exception","reason":"missing authentication credentials"},"status":401}
            """);

        var error = Assert.ThrowsAsync<ElasticsearchException>(() => CreateClient().IsReadyAsync());

        Assert.That(error!.ErrorType, Is.EqualTo("security_exception"));
    }
}
