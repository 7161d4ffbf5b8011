using System.Text.Json;
using Chat.Domain.Search.Elasticsearch;

namespace Chat.Tests.Search;

public sealed class ElasticsearchBulkTests : ElasticsearchContractTests
{
    private const string AllCreated = """{"took":1,"errors":false,"items":[]}""";

    private static readonly DateTimeOffset SentAt = new(2024, 5, 1, 13, 20, 30, 123, TimeSpan.FromHours(3));

    [Test]
    public async Task BulkBodyIsNdjsonWithTrailingNewline()
    {
        Server.Respond(200, AllCreated);

        await CreateClient().BulkAsync([Index(1, "first"), new BulkOperation.Delete("app1:7", 2), Index(3, "line\nbreak")]);

        var request = Server.Requests.Single();
        Assert.Multiple(() =>
        {
            Assert.That(request.Method, Is.EqualTo("POST"));
            Assert.That(request.PathAndQuery, Is.EqualTo("/chat-messages/_bulk"));
            Assert.That(request.ContentType, Is.EqualTo("application/x-ndjson"));
            Assert.That(request.Body, Does.EndWith("}\n"));
        });
        var lines = request.Body.Split('\n');
        Assert.That(lines, Has.Length.EqualTo(6), "index + source, delete, index + source, then the final newline");
        Assert.That(lines[^1], Is.Empty);
        foreach (var line in lines[..^1])
        {
            Assert.That(() => JsonDocument.Parse(line), Throws.Nothing, line);
            Assert.That(line, Does.Not.Contain("\": ").And.Not.Contain("\r"), "lines are compact");
        }
    }

    [Test]
    public async Task BulkActionLinesCarryChatScopedIdAndRouting()
    {
        Server.Respond(200, AllCreated);

        await CreateClient().BulkAsync([Index(42, "Hello WORLD"), new BulkOperation.Delete("app1:7", 43)]);

        var lines = Lines(Server.Requests.Single());
        AssertJsonEqual(lines[0], """{"index":{"_id":"app1:7:42","routing":"app1:7"}}""");
        AssertJsonEqual(lines[1], """
            {"chat_key":"app1:7","app_key":"app1","number":42,"body":"Hello WORLD","body_lc":"hello world",
             "created_at":"2024-05-01T10:20:30.123Z"}
            """);
        AssertJsonEqual(lines[2], """{"delete":{"_id":"app1:7:43","routing":"app1:7"}}""");
        Assert.That(lines, Has.Length.EqualTo(3));
    }

    [Test]
    public async Task BulkIndexesNonAsciiBodyLowerCased()
    {
        Server.Respond(200, AllCreated);

        await CreateClient().BulkAsync([Index(1, "ПРИВЕТ Straße")]);

        var source = JsonDocument.Parse(Lines(Server.Requests.Single())[1]).RootElement;
        Assert.Multiple(() =>
        {
            Assert.That(source.GetProperty("body").GetString(), Is.EqualTo("ПРИВЕТ Straße"));
            Assert.That(source.GetProperty("body_lc").GetString(), Is.EqualTo("привет straße"));
        });
    }

    [Test]
    public async Task BulkRetriesOnlyTransientItemsAndReturnsPermanentFailures()
    {
        Server.Respond(200, """
            {"took":3,"errors":true,"items":[
              {"index":{"_index":"chat-messages-v1","_id":"app1:7:1","status":429,
                "error":{"type":"es_rejected_execution_exception","reason":"rejected execution of coordinating operation"}}},
              {"index":{"_index":"chat-messages-v1","_id":"app1:7:2","status":400,
                "error":{"type":"mapper_parsing_exception","reason":"failed to parse field [created_at] of type [date]"}}},
              {"index":{"_index":"chat-messages-v1","_id":"app1:7:3","_version":1,"result":"created",
                "_shards":{"total":1,"successful":1,"failed":0},"_seq_no":0,"_primary_term":1,"status":201}}]}
            """);
        Server.Respond(200, """
            {"took":1,"errors":false,"items":[
              {"index":{"_index":"chat-messages-v1","_id":"app1:7:1","_version":1,"result":"created","status":201}}]}
            """);
        var (a, b, c) = (Index(1, "a"), Index(2, "b"), Index(3, "c"));

        var result = await CreateClient().BulkAsync([a, b, c]);

        Assert.That(Server.Requests, Has.Count.EqualTo(2));
        var retried = Lines(Server.Requests[1]);
        Assert.That(retried, Has.Length.EqualTo(2), "only A is sent again");
        AssertJsonEqual(retried[0], """{"index":{"_id":"app1:7:1","routing":"app1:7"}}""");
        Assert.That(result.Failures, Is.EqualTo(new[]
        {
            new BulkFailure(b, 400, "mapper_parsing_exception", "failed to parse field [created_at] of type [date]"),
        }));
        Assert.That(result.Succeeded, Is.False);
    }

    [Test]
    public async Task BulkRetriesWholeRequestAfterTooManyRequests()
    {
        Server.Respond(429, """
            {"error":{"root_cause":[{"type":"es_rejected_execution_exception","reason":"rejected execution"}],
             "type":"es_rejected_execution_exception","reason":"rejected execution"},"status":429}
            """);
        Server.Respond(200, AllCreated);

        var result = await CreateClient().BulkAsync([Index(1, "a"), Index(2, "b")]);

        Assert.Multiple(() =>
        {
            Assert.That(result.Succeeded, Is.True);
            Assert.That(Server.Requests, Has.Count.EqualTo(2));
            Assert.That(Server.Requests[1].Body, Is.EqualTo(Server.Requests[0].Body));
        });
    }

    [Test]
    public void BulkThrowsUnavailableWhenEndpointIsDown()
    {
        var client = CreateClient(maxRetries: 2, address: RecordingHttpListener.UnusedAddress());

        var error = Assert.ThrowsAsync<ElasticsearchUnavailableException>(() => client.BulkAsync([Index(1, "a")]));

        Assert.That(error!.InnerException?.InnerException, Is.InstanceOf<HttpRequestException>());
        Assert.That(error.Message, Does.Contain("after 2 retries"));
    }

    [Test]
    public void BulkThrowsUnavailableWhenItemsStayRejected()
    {
        const string rejected = """
            {"took":1,"errors":true,"items":[
              {"index":{"_id":"app1:7:1","status":503,"error":{"type":"unavailable_shards_exception","reason":"primary shard is not active"}}}]}
            """;
        for (var i = 0; i < 3; i++)
        {
            Server.Respond(200, rejected);
        }

        var error = Assert.ThrowsAsync<ElasticsearchUnavailableException>(
            () => CreateClient(maxRetries: 2).BulkAsync([Index(1, "a")]));

        Assert.Multiple(() =>
        {
            Assert.That(Server.Requests, Has.Count.EqualTo(3), "first attempt plus MaxRetries");
            Assert.That(error!.ErrorType, Is.EqualTo("unavailable_shards_exception"));
        });
    }

    [Test]
    public void BulkBacksOffExponentiallyBetweenRetries()
    {
        const string busy = """{"error":{"type":"es_rejected_execution_exception","reason":"rejected execution"},"status":429}""";
        for (var i = 0; i < 3; i++)
        {
            Server.Respond(429, busy);
        }

        var baseDelay = TimeSpan.FromMilliseconds(100);
        Assert.ThrowsAsync<ElasticsearchUnavailableException>(
            () => CreateClient(maxRetries: 2, baseDelay: baseDelay).BulkAsync([Index(1, "a")]));

        // Jitter keeps at least half of each delay: base·1 then base·2.
        var sent = Server.Requests.Select(request => request.ReceivedAt).ToArray();
        Assert.Multiple(() =>
        {
            Assert.That(sent[1] - sent[0], Is.GreaterThanOrEqualTo(baseDelay * 0.5));
            Assert.That(sent[2] - sent[1], Is.GreaterThanOrEqualTo(baseDelay));
        });
    }

    [Test]
    public void BulkThrowsWithoutRetryOnMalformedRequest()
    {
        Server.Respond(400, """
            {"error":{"root_cause":[{"type":"illegal_argument_exception","reason":"The bulk request must be terminated by a newline [\\n]"}],
             "type":"illegal_argument_exception","reason":"The bulk request must be terminated by a newline [\\n]"},"status":400}
            """);

        var error = Assert.ThrowsAsync<ElasticsearchException>(() => CreateClient().BulkAsync([Index(1, "a")]));

        Assert.Multiple(() =>
        {
            Assert.That(error!.ErrorType, Is.EqualTo("illegal_argument_exception"));
            Assert.That(Server.Requests, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public async Task BulkDeleteOfMissingDocumentIsNotAFailure()
    {
        Server.Respond(200, """
            {"took":1,"errors":true,"items":[
              {"delete":{"_index":"chat-messages-v1","_id":"app1:7:9","_version":1,"result":"not_found",
                "_shards":{"total":1,"successful":1,"failed":0},"_seq_no":3,"_primary_term":1,"status":404}}]}
            """);

        var result = await CreateClient().BulkAsync([new BulkOperation.Delete("app1:7", 9)]);

        Assert.Multiple(() =>
        {
            Assert.That(result.Failures, Is.Empty);
            Assert.That(Server.Requests, Has.Count.EqualTo(1));
        });
    }

    [Test]
    public async Task BulkVersionedWritesUseExternalVersioning()
    {
        Server.Respond(200, AllCreated);

        await CreateClient().BulkAsync([
            new BulkOperation.Index(new MessageDocument("app1:7", "app1", 5, "a", SentAt), 1714558830123456),
            new BulkOperation.Delete("app1:7", 6, 1714558830123999)]);

        var lines = Lines(Server.Requests.Single());
        AssertJsonEqual(lines[0], """{"index":{"_id":"app1:7:5","routing":"app1:7","version":1714558830123456,"version_type":"external"}}""");
        AssertJsonEqual(lines[2], """{"delete":{"_id":"app1:7:6","routing":"app1:7","version":1714558830123999,"version_type":"external"}}""");
    }

    [Test]
    public async Task BulkVersionConflictMeansANewerStateIsStoredAndIsNotAFailure()
    {
        Server.Respond(200, """
            {"took":1,"errors":true,"items":[
              {"index":{"_index":"chat-messages-v1","_id":"app1:7:1","status":409,"error":{"type":"version_conflict_engine_exception",
                "reason":"[app1:7:1]: version conflict, current version [20] is higher or equal to the one provided [10]"}}},
              {"index":{"_index":"chat-messages-v1","_id":"app1:7:2","status":409,"error":{"type":"version_conflict_engine_exception",
                "reason":"[app1:7:2]: version conflict, document already exists (current version [1])"}}}]}
            """);
        var versioned = new BulkOperation.Index(new MessageDocument("app1:7", "app1", 1, "old", SentAt), 10);
        var unversioned = Index(2, "b");

        var result = await CreateClient().BulkAsync([versioned, unversioned]);

        Assert.Multiple(() =>
        {
            Assert.That(result.Failures.Select(f => f.Operation), Is.EqualTo(new[] { unversioned }), "a conflict without a version is unexpected");
            Assert.That(Server.Requests, Has.Count.EqualTo(1), "a conflict is never retried");
        });
    }

    [Test]
    public void BulkRejectsChatKeyWithComma()
    {
        var write = new MessageDocument("app1:7,8", "app1", 1, "a", SentAt);

        Assert.ThrowsAsync<ArgumentException>(() => CreateClient().BulkAsync([new BulkOperation.Index(write)]));
        Assert.That(Server.Requests, Is.Empty);
    }

    private static BulkOperation.Index Index(int number, string body) =>
        new(new MessageDocument("app1:7", "app1", number, body, SentAt));

    private static string[] Lines(RecordedRequest request) => request.Body.TrimEnd('\n').Split('\n');
}
