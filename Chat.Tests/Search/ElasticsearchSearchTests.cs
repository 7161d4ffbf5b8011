using System.Text.Json;
using Chat.Contracts;
using Chat.Domain.Search.Elasticsearch;

namespace Chat.Tests.Search;

public sealed class ElasticsearchSearchTests : ElasticsearchContractTests
{
    private const string NoHits = """
        {"took":1,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},
         "hits":{"total":{"value":0,"relation":"eq"},"max_score":null,"hits":[]}}
        """;

    [Test]
    public async Task SearchSendsTheDocumentedQueryRoutedToTheChat()
    {
        Server.Respond(200, NoHits);

        await CreateIndex().SearchAsync("7-3", "Hello", 20, 1200, CancellationToken.None);

        var request = Server.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo("POST"));
            Assert.That(request.PathAndQuery, Is.EqualTo("/chat-messages/_search?routing=7-3"));
            // The 9.x client asks for 9.x compatibility, which an 8.x node refuses (why the deployment runs 9.x).
            Assert.That(request.ContentType, Is.EqualTo("application/vnd.elasticsearch+json;compatible-with=9"));
        });
        AssertJsonEqual(request.Body, """
            { "size": 20, "track_total_hits": false,
              "_source": { "includes": "number" },
              "query": { "bool": { "filter": [
                { "term": { "chat_key": { "value": "7-3" } } },
                { "wildcard": { "body_lc": { "value": "*hello*", "case_insensitive": true } } } ] } },
              "sort": { "number": { "order": "desc" } },
              "search_after": [ 1200 ] }
            """);
    }

    [Test]
    public async Task FirstPageSendsNoSearchAfter()
    {
        Server.Respond(200, NoHits);

        await CreateIndex().SearchAsync("7-3", "hello", 20, null, CancellationToken.None);

        Assert.That(JsonDocument.Parse(Server.Requests.Single().Body).RootElement.TryGetProperty("search_after", out _), Is.False);
    }

    [TestCase(@"a*b?c", @"*a\*b\?c*")]
    [TestCase(@"back\slash", @"*back\\slash*")]
    [TestCase(@"\*", @"*\\\**", Description = "backslash is escaped before the escapes for * and ? are added")]
    [TestCase("ПРИВЕТ", "*привет*", Description = "non-ASCII is lower-cased in C#; Elasticsearch folds ASCII only")]
    [TestCase("MiXeD Case?", @"*mixed case\?*")]
    public async Task SearchEscapesTheWildcardAndLowerCasesTheQuery(string query, string expectedPattern)
    {
        Server.Respond(200, NoHits);

        await CreateIndex().SearchAsync("7-3", query, 20, null, CancellationToken.None);

        var wildcard = JsonDocument.Parse(Server.Requests.Single().Body).RootElement
            .GetProperty("query").GetProperty("bool").GetProperty("filter")[1].GetProperty("wildcard").GetProperty("body_lc");
        Assert.That(wildcard.GetProperty("value").GetString(), Is.EqualTo(expectedPattern));
    }

    [Test]
    public async Task AFullPageGivesItsLastNumberAsTheNextCursor()
    {
        Server.Respond(200, """
            {"took":5,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},
             "hits":{"max_score":null,"hits":[
               {"_index":"chat-messages-v1","_id":"7-3:1200","_score":null,"_routing":"7-3","_source":{"number":1200},"sort":[1200]},
               {"_index":"chat-messages-v1","_id":"7-3:1187","_score":null,"_routing":"7-3","_source":{"number":1187},"sort":[1187]}]}}
            """);

        var result = await CreateIndex().SearchAsync("7-3", "hello", 2, null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Numbers, Is.EqualTo(new[] { 1200, 1187 }));
            Assert.That(result.NextSearchAfter, Is.EqualTo(1187));
        });
    }

    [Test]
    public async Task APageThatIsNotFullIsTheLast()
    {
        Server.Respond(200, """
            {"took":1,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},
             "hits":{"max_score":null,"hits":[{"_id":"7-3:3","_score":null,"_source":{"number":3},"sort":[3]}]}}
            """);

        var result = await CreateIndex().SearchAsync("7-3", "hi", 20, null, CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Numbers, Is.EqualTo(new[] { 3 }));
            Assert.That(result.NextSearchAfter, Is.Null);
        });
    }

    [Test]
    public void FailedShardsInA200AreAFailure()
    {
        Server.Respond(200, """
            {"took":5,"timed_out":false,
             "_shards":{"total":1,"successful":0,"skipped":0,"failed":1,"failures":[
               {"shard":0,"index":"chat-messages-v1","node":"n1","reason":{"type":"query_shard_exception","reason":"failed to create query"}}]},
             "hits":{"total":{"value":0,"relation":"eq"},"max_score":null,"hits":[]}}
            """);

        var error = Assert.ThrowsAsync<ElasticsearchException>(() => CreateIndex().SearchAsync("7-3", "hello", 20, null, CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(error!.ErrorType, Is.EqualTo("query_shard_exception"));
            Assert.That(error.Message, Does.Contain("failed to create query"));
        });
    }

    [Test]
    public void MissingIndexIsReportedAsSuch()
    {
        Server.Respond(404, """
            {"error":{"root_cause":[{"type":"index_not_found_exception","reason":"no such index [chat-messages]","index":"chat-messages"}],
             "type":"index_not_found_exception","reason":"no such index [chat-messages]","index":"chat-messages"},"status":404}
            """);

        var error = Assert.ThrowsAsync<ElasticsearchException>(() => CreateIndex().SearchAsync("7-3", "hello", 20, null, CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(error!.IndexMissing, Is.True, "the API answers 503 for it, the worker creates the index");
            Assert.That(error.Status, Is.EqualTo(404));
            Assert.That(error.Message, Does.Contain("no such index [chat-messages]"));
        });
    }

    [Test]
    public void EmptyQueryIsRejectedWithoutCallingElasticsearch()
    {
        Assert.ThrowsAsync<ArgumentException>(() => CreateIndex().SearchAsync("7-3", "", 20, null, CancellationToken.None));
        Assert.That(Server.Requests, Is.Empty);
    }

    [Test]
    public void OverlongQueryIsRejected() =>
        Assert.ThrowsAsync<ArgumentException>(() =>
            CreateIndex().SearchAsync("7-3", new string('a', Limits.MaxQueryLength + 1), 20, null, CancellationToken.None));

    [Test]
    public void ChatKeyWithCommaIsRejected()
    {
        Assert.ThrowsAsync<ArgumentException>(() => CreateIndex().SearchAsync("7-3,7-4", "hello", 20, null, CancellationToken.None));
        Assert.That(Server.Requests, Is.Empty);
    }
}
