using System.Text.Json;
using Chat.Domain.Search.Elasticsearch;

namespace Chat.Tests.Search;

public sealed class ElasticsearchBulkTests : ElasticsearchContractTests
{

    private static readonly DateTimeOffset SentAt = new(2024, 5, 1, 13, 20, 30, 123, TimeSpan.FromHours(3));

    [Test]
    public async Task BulkIsNdjsonThroughTheAliasWhichMustExist()
    {
        Server.Respond(200, AllDone(3));

        await CreateIndex().BulkAsync([Index(1, "first"), new BulkOperation.Delete("7-3", 2), Index(3, "line\nbreak")], CancellationToken.None);

        var request = Server.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo("POST"));
            // require_alias: a missing alias must not be created as a plain index with a guessed mapping.
            Assert.That(request.PathAndQuery, Is.EqualTo("/chat-messages/_bulk?require_alias=true"));
            Assert.That(request.ContentType, Is.EqualTo("application/x-ndjson"));
            Assert.That(request.ContentEncoding, Is.EqualTo("gzip"));
            Assert.That(request.Body, Does.EndWith("}\n"), "every line ends with a newline, the last one included");
        });
        Assert.That(request.Body.Split('\n'), Has.Length.EqualTo(6), "index + source, delete, index + source, then the final newline");
        foreach (var line in request.Lines)
        {
            Assert.That(() => JsonDocument.Parse(line), Throws.Nothing, line);
            Assert.That(line, Does.Not.Contain("\": ").And.Not.Contain("\r"), "lines are compact");
        }
    }

    [Test]
    public async Task BulkLinesCarryChatScopedIdRoutingExternalVersionAndSnakeCaseSources()
    {
        Server.Respond(200, AllDone(3));

        await CreateIndex().BulkAsync([
            new BulkOperation.Index(new MessageDocument("7-3", "7", 42, "Hello WORLD, ПРИВЕТ Straße", SentAt), 1714558830123456),
            new BulkOperation.Delete("7-3", 43, 1714558830123999),
            new BulkOperation.Index(new MessageDocument("7-3", "7", 44, "unversioned", SentAt))], CancellationToken.None);

        var lines = Server.Requests.Single().Lines;
        Assert.That(lines, Has.Length.EqualTo(5));
        AssertJsonEqual(lines[0], """{"index":{"_id":"7-3:42","routing":"7-3","version":1714558830123456,"version_type":"external"}}""");
        // snake_case as the strict mapping has it (the client's default would be camelCase); the lower-cased copy
        // made in C# (Elasticsearch folds ASCII only); the date in UTC milliseconds.
        AssertJsonEqual(lines[1], """
            {"chat_key":"7-3","app_key":"7","number":42,"body":"Hello WORLD, ПРИВЕТ Straße","body_lc":"hello world, привет straße",
             "created_at":"2024-05-01T10:20:30.123Z"}
            """);
        AssertJsonEqual(lines[2], """{"delete":{"_id":"7-3:43","routing":"7-3","version":1714558830123999,"version_type":"external"}}""");
        AssertJsonEqual(lines[3], """{"index":{"_id":"7-3:44","routing":"7-3"}}""");
    }

    [Test]
    public async Task BulkIntoANamedIndexWritesThereWithoutRequiringTheAlias()
    {
        Server.Respond(200, AllDone(1));

        await CreateIndex().BulkAsync([Index(1, "a")], CancellationToken.None, index: "chat-messages-v2");

        Assert.That(Server.Requests.Single().PathAndQuery, Is.EqualTo("/chat-messages-v2/_bulk"));
    }

    [Test]
    public async Task BulkItemsAreDoneRetriedOrFailedByTheirStatus()
    {
        Server.Respond(200, """
            {"took":3,"errors":true,"items":[
              {"index":{"_index":"chat-messages-v1","_id":"7-3:1","_version":1,"result":"created","status":201,
                "_shards":{"total":1,"successful":1,"failed":0},"_seq_no":0,"_primary_term":1}},
              {"index":{"_index":"chat-messages-v1","_id":"7-3:2","status":409,"error":{"type":"version_conflict_engine_exception",
                "reason":"[7-3:2]: version conflict, current version [20] is higher or equal to the one provided [10]"}}},
              {"delete":{"_index":"chat-messages-v1","_id":"7-3:3","_version":1,"result":"not_found","status":404,
                "_shards":{"total":1,"successful":1,"failed":0},"_seq_no":3,"_primary_term":1}},
              {"index":{"_index":"chat-messages-v1","_id":"7-3:4","status":400,
                "error":{"type":"mapper_parsing_exception","reason":"failed to parse field [created_at] of type [date]"}}},
              {"index":{"_index":"chat-messages-v1","_id":"7-3:5","status":429,
                "error":{"type":"es_rejected_execution_exception","reason":"rejected execution of coordinating operation"}}}]}
            """);
        Server.Respond(200, """
            {"took":1,"errors":false,"items":[
              {"index":{"_index":"chat-messages-v1","_id":"7-3:5","_version":1,"result":"created","status":201}}]}
            """);
        var (created, conflict, missing, refused, busy) = (Index(1, "a"), Index(2, "b", version: 10), new BulkOperation.Delete("7-3", 3),
            Index(4, "d"), Index(5, "e"));

        var result = await CreateIndex().BulkAsync([created, conflict, missing, refused, busy], CancellationToken.None);

        Assert.That(Server.Requests, Has.Count.EqualTo(2));
        Assert.That(Server.Requests[1].Lines, Has.Length.EqualTo(2), "only the 429 is sent again");
        AssertJsonEqual(Server.Requests[1].Lines[0], """{"index":{"_id":"7-3:5","routing":"7-3"}}""");
        Assert.That(result.Failures, Is.EqualTo(new[]
        {
            new BulkFailure(refused, 400, "mapper_parsing_exception", "failed to parse field [created_at] of type [date]"),
        }), "201, a versioned 409 and a delete's 404 not_found are done; the 400 is for good");
    }

    [Test]
    public async Task VersionConflictWithoutAVersionIsAFailure()
    {
        Server.Respond(200, """
            {"took":1,"errors":true,"items":[
              {"index":{"_index":"chat-messages-v1","_id":"7-3:2","status":409,"error":{"type":"version_conflict_engine_exception",
                "reason":"[7-3:2]: version conflict, document already exists (current version [1])"}}}]}
            """);
        var unversioned = Index(2, "b");

        var result = await CreateIndex().BulkAsync([unversioned], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Failures.Select(f => f.Operation), Is.EqualTo(new[] { unversioned }), "a conflict without a version is unexpected");
            Assert.That(Server.Requests, Has.Count.EqualTo(1), "a conflict is never retried");
        });
    }

    [Test]
    public async Task WholeRequestAnswering429IsSentAgain()
    {
        Server.Respond(429, """
            {"error":{"root_cause":[{"type":"es_rejected_execution_exception","reason":"rejected execution"}],
             "type":"es_rejected_execution_exception","reason":"rejected execution"},"status":429}
            """);
        Server.Respond(200, AllDone(2));

        var result = await CreateIndex().BulkAsync([Index(1, "a"), Index(2, "b")], CancellationToken.None);

        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.True);
            Assert.That(Server.Requests, Has.Count.EqualTo(2));
            Assert.That(Server.Requests[1].Body, Is.EqualTo(Server.Requests[0].Body));
        });
    }

    [Test]
    public void WholeRequestAnswering503AfterEveryRetryIsUnavailable()
    {
        for (var i = 0; i < 3; i++)
            Server.Respond(503, """{"error":{"type":"master_not_discovered_exception","reason":"no master"},"status":503}""");

        var error = Assert.ThrowsAsync<ElasticsearchUnavailableException>(
            () => CreateIndex(maxRetries: 2).BulkAsync([Index(1, "a")], CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(Server.Requests, Has.Count.EqualTo(3), "first attempt plus MaxRetries");
            Assert.That(error!.Status, Is.EqualTo(503));
            Assert.That(error.ErrorType, Is.EqualTo("master_not_discovered_exception"));
            Assert.That(error.Message, Does.Contain("after 2 retries"));
        });
    }

    [Test]
    public void ItemsStillRejectedAfterEveryRetryAreUnavailable()
    {
        for (var i = 0; i < 3; i++)
        {
            Server.Respond(200, """
                {"took":1,"errors":true,"items":[
                  {"index":{"_id":"7-3:1","status":503,"error":{"type":"unavailable_shards_exception","reason":"primary shard is not active"}}}]}
                """);
        }

        var error = Assert.ThrowsAsync<ElasticsearchUnavailableException>(
            () => CreateIndex(maxRetries: 2).BulkAsync([Index(1, "a")], CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(Server.Requests, Has.Count.EqualTo(3));
            Assert.That(error!.ErrorType, Is.EqualTo("unavailable_shards_exception"));
        });
    }

    [Test]
    public void ItemsRefusedBecauseTheAliasIsMissingWaitForIt()
    {
        for (var i = 0; i < 2; i++)
        {
            Server.Respond(200, """
                {"took":0,"errors":true,"items":[{"index":{"_index":"chat-messages","_id":"7-3:1","status":404,
                  "error":{"type":"index_not_found_exception",
                    "reason":"no such index [chat-messages] and [require_alias] request flag is [true] and [chat-messages] is not an alias",
                    "index":"chat-messages"}}}]}
                """);
        }

        var error = Assert.ThrowsAsync<ElasticsearchUnavailableException>(
            () => CreateIndex(maxRetries: 1).BulkAsync([Index(1, "a")], CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(Server.Requests, Has.Count.EqualTo(2), "retried, not dead-lettered");
            Assert.That(error!.IndexMissing, Is.True, "the indexer creates the index again when it sees this");
        });
    }

    [Test]
    public void MalformedRequestIsRefusedWithoutRetry()
    {
        Server.Respond(400, """
            {"error":{"root_cause":[{"type":"illegal_argument_exception","reason":"The bulk request must be terminated by a newline [\\n]"}],
             "type":"illegal_argument_exception","reason":"The bulk request must be terminated by a newline [\\n]"},"status":400}
            """);

        var error = Assert.ThrowsAsync<ElasticsearchException>(() => CreateIndex().BulkAsync([Index(1, "a")], CancellationToken.None));

        Assert.Multiple(() =>
        {
            Assert.That(error, Is.Not.InstanceOf<ElasticsearchUnavailableException>());
            Assert.That(error!.Status, Is.EqualTo(400));
            Assert.That(error.ErrorType, Is.EqualTo("illegal_argument_exception"));
            Assert.That(Server.Requests, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public void ChatKeyWithCommaIsRejectedBeforeSending()
    {
        var write = new MessageDocument("7-3,8", "7", 1, "a", SentAt);

        Assert.ThrowsAsync<ArgumentException>(() => CreateIndex().BulkAsync([new BulkOperation.Index(write)], CancellationToken.None));
        Assert.That(Server.Requests, Is.Empty);
    }

    /// <summary>A bulk answer whose items all succeeded: Elasticsearch answers one item per operation, in order.</summary>
    private static string AllDone(int count)
    {
        var items = Enumerable.Range(1, count)
            .Select(i => $$$"""{"index":{"_index":"chat-messages-v1","_id":"7-3:{{{i}}}","_version":1,"result":"created","status":201}}""");
        return """{"took":1,"errors":false,"items":[""" + string.Join(",", items) + "]}";
    }

    private static BulkOperation.Index Index(int number, string body, long? version = null) =>
        new(new MessageDocument("7-3", "7", number, body, SentAt), version);
}
