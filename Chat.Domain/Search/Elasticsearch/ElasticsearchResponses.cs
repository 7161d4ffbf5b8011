using System.Text.Json;

namespace Chat.Domain.Search.Elasticsearch;

/// <summary>Reads Elasticsearch 8.x response bodies.</summary>
internal static class ElasticsearchResponses
{
    /// <summary>
    /// A bulk answers 200 even when items failed: <c>errors</c> says whether to look, and the items come
    /// back in request order.
    /// </summary>
    public static BulkAttempt ReadBulk(JsonElement root, IReadOnlyList<BulkOperation> operations)
    {
        if (!root.GetProperty("errors").GetBoolean())
        {
            return new BulkAttempt([], [], null);
        }

        var items = root.GetProperty("items");
        if (items.GetArrayLength() != operations.Count)
        {
            throw new ElasticsearchException(
                $"Bulk response has {items.GetArrayLength()} items for {operations.Count} operations.");
        }

        var retry = new List<BulkOperation>();
        var failures = new List<BulkFailure>();
        ElasticsearchUnavailableException? cause = null;
        var index = 0;
        foreach (var item in items.EnumerateArray())
        {
            var operation = operations[index++];
            // Each item is {"<action>": {...}}.
            var outcome = item.EnumerateObject().First().Value;
            var status = outcome.GetProperty("status").GetInt32();
            if (IsDone(operation, status, outcome))
            {
                continue;
            }

            var (type, reason) = ElasticsearchException.ReadError(outcome);
            if (ElasticsearchException.IsTransient(status))
            {
                retry.Add(operation);
                cause ??= new ElasticsearchUnavailableException($"item answered {status} {type}: {reason}", status, type);
            }
            else
            {
                failures.Add(new BulkFailure(operation, status, type, reason));
            }
        }

        return new BulkAttempt(retry, failures, cause);
    }

    public static SearchResult ReadSearch(JsonElement root, int size)
    {
        // A search with failed shards still answers 200 with the other shards' hits.
        var shards = root.GetProperty("_shards");
        var failed = shards.GetProperty("failed").GetInt32();
        if (failed > 0)
        {
            var (type, reason) = shards.TryGetProperty("failures", out var list) && list.GetArrayLength() > 0
                ? ElasticsearchException.Describe(Field(list[0], "reason"))
                : ("unknown", "no failure details");
            throw new ElasticsearchException($"Search failed on {failed} shard(s): {type}: {reason}", 200, type);
        }

        var hits = root.GetProperty("hits");
        var found = new List<SearchHit>();
        int? lastSort = null;
        foreach (var hit in hits.GetProperty("hits").EnumerateArray())
        {
            var source = hit.GetProperty("_source");
            found.Add(new SearchHit(
                source.GetProperty("number").GetInt32(),
                source.GetProperty("body").GetString() ?? "",
                source.GetProperty("created_at").GetDateTimeOffset()));
            lastSort = hit.GetProperty("sort")[0].GetInt32();
        }

        var total = hits.GetProperty("total").GetProperty("value").GetInt64();
        return new SearchResult(found, total, found.Count == size ? lastSort : null);
    }

    public static DeleteByQueryResult ReadDeleteByQuery(JsonElement root)
    {
        if (root.TryGetProperty("task", out var task))
        {
            return new DeleteByQueryResult(null, task.GetString());
        }

        if (root.GetProperty("failures") is { ValueKind: JsonValueKind.Array } failures && failures.GetArrayLength() > 0)
        {
            var (type, reason) = ElasticsearchException.Describe(Field(failures[0], "cause"));
            throw new ElasticsearchException(
                $"Delete by query had {failures.GetArrayLength()} failure(s): {type}: {reason}", 200, type);
        }

        if (root.TryGetProperty("timed_out", out var timedOut) && timedOut.GetBoolean())
        {
            throw new ElasticsearchUnavailableException("Delete by query timed out before finishing.");
        }

        return new DeleteByQueryResult(root.GetProperty("deleted").GetInt64(), null);
    }

    /// <summary>
    /// A delete of a document that is not there has reached the state the caller wanted; so has a versioned
    /// write that lost to a version already stored (a redelivery, or a newer state that arrived first).
    /// </summary>
    private static bool IsDone(BulkOperation operation, int status, JsonElement outcome) =>
        status is >= 200 and < 300
        || (operation is BulkOperation.Delete && status == 404
            && outcome.TryGetProperty("result", out var result) && result.GetString() == "not_found")
        || (operation is BulkOperation.Index { Version: not null } or BulkOperation.Delete { Version: not null } && status == 409
            && ElasticsearchException.ReadError(outcome).Type == "version_conflict_engine_exception");

    /// <summary>Shard failures carry their error as <c>reason</c>, delete-by-query failures as <c>cause</c>.</summary>
    private static JsonElement Field(JsonElement failure, string name) =>
        failure.TryGetProperty(name, out var error) ? error : failure;
}
