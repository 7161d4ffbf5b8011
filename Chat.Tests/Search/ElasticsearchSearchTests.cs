using System.Text.Json;
using Chat.Domain.Search.Elasticsearch;

namespace Chat.Tests.Search;

public sealed class ElasticsearchSearchTests : ElasticsearchContractTests
{
    private const string NoHits = """
        {"took":1,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},
         "hits":{"total":{"value":0,"relation":"eq"},"max_score":null,"hits":[]}}
        """;

    [Test]
    public async Task SearchSendsDocumentedQueryRoutedToTheChat()
    {
        Server.Respond(200, NoHits);

        await CreateClient().SearchAsync("app 1:7", "Hello", 20, 1200);

        var request = Server.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo("POST"));
            Assert.That(request.PathAndQuery, Is.EqualTo("/chat-messages/_search?routing=app%201%3A7"));
            Assert.That(request.ContentType, Is.EqualTo("application/json"));
        });
        AssertJsonEqual(request.Body, """
            { "size": 20, "track_total_hits": true,
              "_source": ["number", "body", "created_at"],
              "query": { "bool": { "filter": [
                { "term": { "chat_key": "app 1:7" } },
                { "wildcard": { "body_lc": { "value": "*hello*", "case_insensitive": true } } } ] } },
              "sort": [ { "number": "desc" } ],
              "search_after": [ 1200 ] }
            """);
    }

    [Test]
    public async Task FirstPageSendsNoSearchAfter()
    {
        Server.Respond(200, NoHits);

        await CreateClient().SearchAsync("app1:7", "hello", 20, null);

        var body = JsonDocument.Parse(Server.Requests.Single().Body).RootElement;
        Assert.That(body.TryGetProperty("search_after", out _), Is.False);
    }

    [TestCase(@"a*b?c", @"*a\*b\?c*")]
    [TestCase(@"back\slash", @"*back\\slash*")]
    [TestCase(@"\*", @"*\\\**", Description = "backslash is escaped before the escapes for * and ? are added")]
    [TestCase("ПРИВЕТ", "*привет*", Description = "non-ASCII is lower-cased in C#; Elasticsearch folds ASCII only")]
    [TestCase("MiXeD Case?", @"*mixed case\?*")]
    public async Task SearchEscapesWildcardAndLowerCasesQuery(string query, string expectedPattern)
    {
        Server.Respond(200, NoHits);

        await CreateClient().SearchAsync("app1:7", query, 20, null);

        var body = JsonDocument.Parse(Server.Requests.Single().Body).RootElement;
        var wildcard = body.GetProperty("query").GetProperty("bool").GetProperty("filter")[1]
            .GetProperty("wildcard").GetProperty("body_lc");
        Assert.That(wildcard.GetProperty("value").GetString(), Is.EqualTo(expectedPattern));
    }

    [Test]
    public async Task SearchReadsHitsTotalAndNextPageCursor()
    {
        Server.Respond(200, """
            {"took":5,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},
             "hits":{"total":{"value":57,"relation":"eq"},"max_score":null,"hits":[
               {"_index":"chat-messages-v1","_id":"app1:7:1200","_score":null,"_routing":"app1:7",
                "_source":{"number":1200,"body":"Hello there","created_at":"2024-05-01T10:20:30.123Z"},"sort":[1200]},
               {"_index":"chat-messages-v1","_id":"app1:7:1187","_score":null,"_routing":"app1:7",
                "_source":{"number":1187,"body":"hello again","created_at":"2024-04-30T08:00:00.000Z"},"sort":[1187]}]}}
            """);

        var result = await CreateClient().SearchAsync("app1:7", "hello", 2, null);

        Assert.Multiple(() =>
        {
            Assert.That(result.Total, Is.EqualTo(57));
            Assert.That(result.Hits, Is.EqualTo(new[]
            {
                new SearchHit(1200, "Hello there", new DateTimeOffset(2024, 5, 1, 10, 20, 30, 123, TimeSpan.Zero)),
                new SearchHit(1187, "hello again", new DateTimeOffset(2024, 4, 30, 8, 0, 0, TimeSpan.Zero)),
            }));
            Assert.That(result.NextSearchAfter, Is.EqualTo(1187));
        });
    }

    [Test]
    public async Task LastPageHasNoNextCursor()
    {
        Server.Respond(200, """
            {"took":1,"timed_out":false,"_shards":{"total":1,"successful":1,"skipped":0,"failed":0},
             "hits":{"total":{"value":1,"relation":"eq"},"max_score":null,"hits":[
               {"_id":"app1:7:3","_score":null,"_source":{"number":3,"body":"hi","created_at":"2024-05-01T10:20:30.123Z"},"sort":[3]}]}}
            """);

        var result = await CreateClient().SearchAsync("app1:7", "hi", 20, null);

        Assert.That(result.NextSearchAfter, Is.Null);
    }

    [Test]
    public void SearchThrowsWhenShardsFailed()
    {
        Server.Respond(200, """
            {"took":5,"timed_out":false,
             "_shards":{"total":1,"successful":0,"skipped":0,"failed":1,"failures":[
               {"shard":0,"index":"chat-messages-v1","node":"n1","reason":{"type":"query_shard_exception","reason":"failed to create query"}}]},
             "hits":{"total":{"value":0,"relation":"eq"},"max_score":null,"hits":[]}}
            """);

        var error = Assert.ThrowsAsync<ElasticsearchException>(() => CreateClient().SearchAsync("app1:7", "hello", 20, null));

        Assert.Multiple(() =>
        {
            Assert.That(error!.ErrorType, Is.EqualTo("query_shard_exception"));
            Assert.That(error.Message, Does.Contain("failed to create query"));
        });
    }

    [Test]
    public void SearchRejectsEmptyQueryWithoutCallingElasticsearch()
    {
        Assert.ThrowsAsync<ArgumentException>(() => CreateClient().SearchAsync("app1:7", "", 20, null));
        Assert.That(Server.Requests, Is.Empty);
    }

    [Test]
    public void SearchRejectsOverlongQuery()
    {
        var query = new string('a', ElasticsearchClient.MaxQueryLength + 1);

        Assert.ThrowsAsync<ArgumentException>(() => CreateClient().SearchAsync("app1:7", query, 20, null));
    }

    [Test]
    public void SearchRejectsChatKeyWithComma()
    {
        Assert.ThrowsAsync<ArgumentException>(() => CreateClient().SearchAsync("app1:7,app1:8", "hello", 20, null));
        Assert.That(Server.Requests, Is.Empty);
    }
}
