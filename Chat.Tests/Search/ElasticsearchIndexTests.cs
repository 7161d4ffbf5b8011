using Chat.Domain.Search.Elasticsearch;

namespace Chat.Tests.Search;

public sealed class ElasticsearchIndexTests : ElasticsearchContractTests
{
    // The index of ELASTICSEARCH.md, verbatim.
    private const string DocumentedIndex = """
        { "settings": { "number_of_shards": 1, "number_of_replicas": 0 },
          "aliases": { "chat-messages": {} },
          "mappings": { "dynamic": "strict", "_routing": { "required": true },
            "properties": {
              "chat_key": { "type": "keyword" }, "app_key": { "type": "keyword" },
              "number": { "type": "integer" }, "body": { "type": "text", "index": false },
              "body_lc": { "type": "wildcard" }, "created_at": { "type": "date" } } } }
        """;

    [Test]
    public async Task EnsureIndexPutsDocumentedMappingOnVersionedIndex()
    {
        Server.Respond(200, """{"acknowledged":true,"shards_acknowledged":true,"index":"chat-messages-v1"}""");

        await CreateClient().EnsureIndexAsync();

        var request = Server.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo("PUT"));
            Assert.That(request.PathAndQuery, Is.EqualTo("/chat-messages-v1"));
            Assert.That(request.ContentType, Is.EqualTo("application/json"));
        });
        AssertJsonEqual(request.Body, DocumentedIndex);
    }

    [Test]
    public async Task EnsureIndexTreatsAlreadyExistingIndexAsSuccess()
    {
        Server.Respond(400, """
            {"error":{"root_cause":[{"type":"resource_already_exists_exception","reason":"index [chat-messages-v1/abc] already exists","index":"chat-messages-v1"}],
             "type":"resource_already_exists_exception","reason":"index [chat-messages-v1/abc] already exists","index":"chat-messages-v1"},"status":400}
            """);

        await CreateClient().EnsureIndexAsync();

        Assert.That(Server.Requests, Has.Count.EqualTo(1));
    }

    [Test]
    public void EnsureIndexThrowsWithReasonOnOtherBadRequest()
    {
        Server.Respond(400, """
            {"error":{"root_cause":[{"type":"mapper_parsing_exception","reason":"Failed to parse mapping: unknown parameter [index]"}],
             "type":"mapper_parsing_exception","reason":"Failed to parse mapping: unknown parameter [index]"},"status":400}
            """);

        var error = Assert.ThrowsAsync<ElasticsearchException>(() => CreateClient().EnsureIndexAsync());

        Assert.Multiple(() =>
        {
            Assert.That(error!.Status, Is.EqualTo(400));
            Assert.That(error.ErrorType, Is.EqualTo("mapper_parsing_exception"));
            Assert.That(error.Message, Does.Contain("unknown parameter [index]"));
        });
    }
}
