using System.Text;
using System.Text.Json.Nodes;

namespace Chat.Tests.Search;

/// <summary>
/// An in-memory stand-in for the few Elasticsearch 8.x endpoints the product calls, on a
/// <see cref="RecordingHttpListener"/>: it stores what bulk requests write (external versions included) and answers
/// the search the client sends. It checks the product's wiring end to end; what real Elasticsearch does with the
/// same requests is pinned by the contract tests and by the suite against <c>ELASTICSEARCH_URL</c>.
/// </summary>
public sealed class FakeElasticsearch : IDisposable
{
    private readonly Dictionary<string, JsonObject> _documents = [];
    private readonly Dictionary<string, long> _versions = [];
    private readonly Lock _gate = new();

    public FakeElasticsearch(int? port = null)
    {
        Server = port is { } fixedPort ? new RecordingHttpListener(fixedPort) : new RecordingHttpListener();
        Server.Fallback = Answer;
    }

    public RecordingHttpListener Server { get; }

    /// <summary>While set, every request answers 503, as a cluster without a master does.</summary>
    public bool Down { get; set; }

    /// <summary>Bulk items whose body contains this text are refused with a 400, as a mapping error would be.</summary>
    public string? RejectBodiesContaining { get; set; }

    /// <summary>The (chat key, number) of every document a bulk request asked to index, in order.</summary>
    public IReadOnlyList<(string ChatKey, int Number, string Body)> Indexed()
    {
        var indexed = new List<(string, int, string)>();
        foreach (var request in Server.Requests.Where(r => r.PathAndQuery.Contains("/_bulk")))
        {
            var lines = request.Body.TrimEnd('\n').Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                if (!JsonNode.Parse(lines[i])!.AsObject().ContainsKey("index")) continue;
                var source = JsonNode.Parse(lines[++i])!;
                indexed.Add((source["chat_key"]!.GetValue<string>(), source["number"]!.GetValue<int>(), source["body"]!.GetValue<string>()));
            }
        }
        return indexed;
    }

    /// <summary>What the index holds now for one chat: number → body.</summary>
    public IReadOnlyDictionary<int, string> Stored(string chatKey)
    {
        lock (_gate)
        {
            return _documents.Values.Where(d => d["chat_key"]!.GetValue<string>() == chatKey)
                .ToDictionary(d => d["number"]!.GetValue<int>(), d => d["body"]!.GetValue<string>());
        }
    }

    public void Dispose() => Server.Dispose();

    private (int, string) Answer(RecordedRequest request)
    {
        lock (_gate)
        {
            return AnswerLocked(request);
        }
    }

    private (int, string) AnswerLocked(RecordedRequest request)
    {
        if (Down) return (503, """{"error":{"type":"master_not_discovered_exception","reason":"no master"},"status":503}""");
        var path = request.PathAndQuery.Split('?')[0];
        return (request.Method, path) switch
        {
            ("GET", "/_cluster/health") => (200, """{"cluster_name":"fake","status":"green","timed_out":false}"""),
            ("PUT", _) => (200, $$"""{"acknowledged":true,"shards_acknowledged":true,"index":"{{path.TrimStart('/')}}"}"""),
            ("POST", _) when path.EndsWith("/_bulk") => (200, Bulk(request.Body)),
            ("POST", _) when path.EndsWith("/_refresh") => (200, """{"_shards":{"total":1,"successful":1,"failed":0}}"""),
            ("POST", _) when path.EndsWith("/_delete_by_query") => (200, DeleteByQuery(request)),
            ("POST", _) when path.EndsWith("/_search") => (200, Search(request.Body)),
            _ => (400, """{"error":{"type":"illegal_argument_exception","reason":"not faked"},"status":400}"""),
        };
    }

    private string Bulk(string body)
    {
        var lines = body.TrimEnd('\n').Split('\n');
        var items = new JsonArray();
        var errors = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var action = JsonNode.Parse(lines[i])!.AsObject();
            var (name, meta) = (action.First().Key, action.First().Value!);
            var id = meta["_id"]!.GetValue<string>();
            var version = meta["version"]?.GetValue<long>();
            var source = name == "index" ? JsonNode.Parse(lines[++i])!.AsObject() : null;
            int status;
            if (source is not null && RejectBodiesContaining is { } poison && source["body"]!.GetValue<string>().Contains(poison))
                status = 400;
            else if (version is not null && _versions.TryGetValue(id, out var stored) && stored >= version)
                status = 409;
            else if (source is not null)
            {
                status = _documents.ContainsKey(id) ? 200 : 201;
                _documents[id] = source;
            }
            else
                status = _documents.Remove(id) ? 200 : 404;
            if (version is not null && status < 300) _versions[id] = version.Value;

            errors |= status >= 300 && status != 404;
            var item = new JsonObject { ["_index"] = "fake", ["_id"] = id, ["status"] = status };
            if (status == 404) item["result"] = "not_found";
            if (status == 400) item["error"] = Error("mapper_parsing_exception", "failed to parse field [body_lc]");
            if (status == 409) item["error"] = Error("version_conflict_engine_exception", "version conflict");
            items.Add(new JsonObject { [name] = item });
        }
        return new JsonObject { ["took"] = 1, ["errors"] = errors, ["items"] = items }.ToJsonString();
    }

    private string DeleteByQuery(RecordedRequest request)
    {
        var term = JsonNode.Parse(request.Body)!["query"]!["term"]!.AsObject().First();
        var doomed = _documents.Where(d => d.Value[term.Key]!.GetValue<string>() == term.Value!.GetValue<string>()).Select(d => d.Key).ToList();
        doomed.ForEach(id => _documents.Remove(id));
        return request.PathAndQuery.Contains("wait_for_completion=false")
            ? """{"task":"fake:1"}"""
            : $$"""{"took":1,"timed_out":false,"total":{{doomed.Count}},"deleted":{{doomed.Count}},"failures":[]}""";
    }

    /// <summary>The client's query: a chat_key term and a <c>*text*</c> wildcard on body_lc, sorted by number descending.</summary>
    private string Search(string body)
    {
        var query = JsonNode.Parse(body)!;
        var filters = query["query"]!["bool"]!["filter"]!.AsArray();
        var chatKey = filters[0]!["term"]!["chat_key"]!.GetValue<string>();
        var pattern = filters[1]!["wildcard"]!["body_lc"]!["value"]!.GetValue<string>();
        var text = Unescape(pattern[1..^1]);
        var size = query["size"]!.GetValue<int>();
        var after = query["search_after"]?[0]?.GetValue<int>() ?? int.MaxValue;

        var matches = _documents.Values
            .Where(d => d["chat_key"]!.GetValue<string>() == chatKey && d["body_lc"]!.GetValue<string>().Contains(text, StringComparison.Ordinal))
            .Select(d => d["number"]!.GetValue<int>())
            .Where(n => n < after)
            .OrderDescending()
            .ToList();
        var hits = new JsonArray();
        foreach (var number in matches.Take(size))
        {
            var document = _documents.Values.First(d => d["chat_key"]!.GetValue<string>() == chatKey && d["number"]!.GetValue<int>() == number);
            hits.Add(new JsonObject
            {
                ["_id"] = $"{chatKey}:{number}",
                ["_source"] = new JsonObject
                {
                    ["number"] = number, ["body"] = document["body"]!.DeepClone(), ["created_at"] = document["created_at"]!.DeepClone(),
                },
                ["sort"] = new JsonArray(number),
            });
        }
        return new JsonObject
        {
            ["took"] = 1,
            ["timed_out"] = false,
            ["_shards"] = new JsonObject { ["total"] = 1, ["successful"] = 1, ["skipped"] = 0, ["failed"] = 0 },
            ["hits"] = new JsonObject { ["total"] = new JsonObject { ["value"] = matches.Count, ["relation"] = "eq" }, ["hits"] = hits },
        }.ToJsonString();
    }

    private static string Unescape(string wildcard)
    {
        var text = new StringBuilder();
        for (var i = 0; i < wildcard.Length; i++)
            text.Append(wildcard[i] == '\\' && i + 1 < wildcard.Length ? wildcard[++i] : wildcard[i]);
        return text.ToString();
    }

    private static JsonObject Error(string type, string reason) => new() { ["type"] = type, ["reason"] = reason };
}
