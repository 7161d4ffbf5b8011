using Chat.Domain.Search.Elasticsearch;

namespace Chat.Tests.Search;

/// <summary>The versioned indices behind the alias: created by the indexer, replaced by a reindex.</summary>
public sealed class ElasticsearchIndexTests : ElasticsearchContractTests
{
    private const string Mapping = """
        "settings": { "number_of_shards": 1, "number_of_replicas": 0 },
        "mappings": { "dynamic": "strict", "_routing": { "required": true },
          "properties": {
            "chat_key": { "type": "keyword" }, "app_key": { "type": "keyword" },
            "number": { "type": "integer" }, "body": { "type": "text", "index": false },
            "body_lc": { "type": "wildcard" }, "created_at": { "type": "date" } } }
        """;

    private const string AliasMissing = """{"error":"alias [chat-messages] missing","status":404}""";

    [Test]
    public async Task WithoutTheAliasTheFirstVersionIsCreatedAsItsWriteIndex()
    {
        Server.Respond(404, AliasMissing);
        Server.Respond(200, """{"acknowledged":true,"shards_acknowledged":true,"index":"chat-messages-v1"}""");

        await CreateVersions().EnsureAsync(CancellationToken.None);

        Assert.That(Server.Requests.Select(r => $"{r.Method} {r.PathAndQuery}"), Is.EqualTo(new[] { "GET /_alias/chat-messages", "PUT /chat-messages-v1" }));
        AssertJsonEqual(Server.Requests[1].Body, $$"""{ "aliases": { "chat-messages": { "is_write_index": true } }, {{Mapping}} }""");
    }

    [Test]
    public async Task AnExistingAliasIsLeftAsItIs()
    {
        Server.Respond(200, """{"chat-messages-v3":{"aliases":{"chat-messages":{"is_write_index":true}}}}""");

        await CreateVersions().EnsureAsync(CancellationToken.None);

        Assert.That(Server.Requests, Has.Count.EqualTo(1), "after a reindex the alias points at a later version: v1 is not made again");
    }

    [Test]
    public async Task AnIndexAnotherProcessJustCreatedIsFine()
    {
        Server.Respond(404, AliasMissing);
        Server.Respond(400, """
            {"error":{"root_cause":[{"type":"resource_already_exists_exception","reason":"index [chat-messages-v1/abc] already exists","index":"chat-messages-v1"}],
             "type":"resource_already_exists_exception","reason":"index [chat-messages-v1/abc] already exists","index":"chat-messages-v1"},"status":400}
            """);

        await CreateVersions().EnsureAsync(CancellationToken.None);

        Assert.That(Server.Requests, Has.Count.EqualTo(2));
    }

    [Test]
    public void AnyOtherRefusalToCreateIsAnError()
    {
        Server.Respond(404, AliasMissing);
        Server.Respond(400, """
            {"error":{"root_cause":[{"type":"mapper_parsing_exception","reason":"Failed to parse mapping: unknown parameter [index]"}],
             "type":"mapper_parsing_exception","reason":"Failed to parse mapping: unknown parameter [index]"},"status":400}
            """);

        var error = Assert.ThrowsAsync<ElasticsearchException>(() => CreateVersions().EnsureAsync(CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(error!.Status, Is.EqualTo(400));
            Assert.That(error.ErrorType, Is.EqualTo("mapper_parsing_exception"));
            Assert.That(error.Message, Does.Contain("unknown parameter [index]"));
        });
    }

    [Test]
    public async Task VersionsAreFoundByNameWhetherBehindTheAliasOrNot()
    {
        Server.Respond(200, """
            {"chat-messages-v2":{"aliases":{"chat-messages":{"is_write_index":true}}},"chat-messages-v10":{"aliases":{}},
             "chat-messages-v1":{"aliases":{}},"chat-messages-vintage":{"aliases":{}}}
            """);

        var versions = await CreateVersions().AllAsync(CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(Server.Requests.Single().DecodedPath, Is.EqualTo("/chat-messages-v*/_alias"));
            Assert.That(versions, Is.EqualTo(new[] { ("chat-messages-v1", 1), ("chat-messages-v2", 2), ("chat-messages-v10", 10) }));
        });
    }

    [Test]
    public async Task ANewVersionIsCreatedWithTheMappingAndNoAlias()
    {
        Server.Respond(200, """{"acknowledged":true,"shards_acknowledged":true,"index":"chat-messages-v2"}""");

        await CreateVersions().CreateAsync("chat-messages-v2", CancellationToken.None);

        var request = Server.Requests.Single();
        Assert.That($"{request.Method} {request.PathAndQuery}", Is.EqualTo("PUT /chat-messages-v2"));
        AssertJsonEqual(request.Body, $$"""{ {{Mapping}} }""");
    }

    [Test]
    public async Task WritesMoveToTheNewIndexInOneStepWhileTheOldOneStillAnswersSearches()
    {
        Server.Respond(200, """{"acknowledged":true,"errors":false}""");

        await CreateVersions().SendWritesToAsync("chat-messages-v2", ["chat-messages-v1"], CancellationToken.None);

        var request = Server.Requests.Single();
        Assert.That($"{request.Method} {request.PathAndQuery}", Is.EqualTo("POST /_aliases"));
        AssertJsonEqual(request.Body, """
            { "actions": [
                { "add": { "index": "chat-messages-v2", "alias": "chat-messages", "is_write_index": true } },
                { "add": { "index": "chat-messages-v1", "alias": "chat-messages", "is_write_index": false } } ] }
            """);
    }

    [Test]
    public async Task OldIndicesLeaveTheAliasInOneStep()
    {
        Server.Respond(200, """{"acknowledged":true,"errors":false}""");
        var versions = CreateVersions();

        await versions.RemoveFromAliasAsync([], CancellationToken.None);
        await versions.RemoveFromAliasAsync(["chat-messages-v1", "chat-messages-v2"], CancellationToken.None);

        var request = Server.Requests.Single();
        AssertJsonEqual(request.Body, """
            { "actions": [
                { "remove": { "index": "chat-messages-v1", "alias": "chat-messages" } },
                { "remove": { "index": "chat-messages-v2", "alias": "chat-messages" } } ] }
            """);
    }

    [Test]
    public async Task AnOldIndexIsDeletedByName()
    {
        Server.Respond(200, """{"acknowledged":true}""");

        await CreateVersions().DeleteAsync("chat-messages-v1", CancellationToken.None);

        Assert.That(Server.Requests.Select(r => $"{r.Method} {r.PathAndQuery}"), Is.EqualTo(new[] { "DELETE /chat-messages-v1" }));
    }
}
