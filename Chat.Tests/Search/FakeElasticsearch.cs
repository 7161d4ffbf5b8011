using System.Text;
using System.Text.Json.Nodes;

namespace Chat.Tests.Search;

/// <summary>
/// An in-memory stand-in for the few Elasticsearch 9.x endpoints the product calls, on a
/// <see cref="RecordingHttpListener"/>: versioned indices behind an alias with a write index, bulk writes with
/// external versions, the search, delete-by-query and alias calls the client sends. It checks the product's
/// wiring end to end; what real Elasticsearch does with the same requests is pinned by the contract tests and by
/// the suite against <c>ELASTICSEARCH_URL</c>.
/// </summary>
public sealed class FakeElasticsearch : IDisposable
{
    private readonly Dictionary<string, Dictionary<string, JsonObject>> _indices = [];
    private readonly Dictionary<(string Index, string Id), long> _versions = [];
    // alias → index → is_write_index
    private readonly Dictionary<string, Dictionary<string, bool?>> _aliases = [];
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

    /// <summary>The (chat key, number, body) of every document a bulk request asked to index, in order.</summary>
    public IReadOnlyList<(string ChatKey, int Number, string Body)> Indexed()
    {
        var indexed = new List<(string, int, string)>();
        foreach (var request in Server.Requests.Where(r => r.PathAndQuery.Contains("/_bulk")))
        {
            var lines = request.Lines;
            for (var i = 0; i < lines.Length; i++)
            {
                if (!JsonNode.Parse(lines[i])!.AsObject().ContainsKey("index")) continue;
                var source = JsonNode.Parse(lines[++i])!;
                indexed.Add((source["chat_key"]!.GetValue<string>(), source["number"]!.GetValue<int>(), source["body"]!.GetValue<string>()));
            }
        }
        return indexed;
    }

    /// <summary>What the index (or the indices behind the alias) holds now for one chat: number → body.</summary>
    public IReadOnlyDictionary<int, string> Stored(string chatKey, string target = "chat-messages")
    {
        lock (_gate)
        {
            return Resolve(target).SelectMany(index => _indices[index].Values)
                .Where(d => d["chat_key"]!.GetValue<string>() == chatKey)
                .GroupBy(d => d["number"]!.GetValue<int>())
                .ToDictionary(g => g.Key, g => g.Last()["body"]!.GetValue<string>());
        }
    }

    /// <summary>Every document of one index: (chat key, number) → body.</summary>
    public IReadOnlyDictionary<(string ChatKey, int Number), string> Documents(string index)
    {
        lock (_gate)
        {
            return _indices[index].Values.ToDictionary(
                d => (d["chat_key"]!.GetValue<string>(), d["number"]!.GetValue<int>()), d => d["body"]!.GetValue<string>());
        }
    }

    public IReadOnlyList<string> Indices()
    {
        lock (_gate)
        {
            return [.. _indices.Keys.Order()];
        }
    }

    /// <summary>The indices behind an alias, each with its is_write_index flag.</summary>
    public IReadOnlyDictionary<string, bool?> Alias(string alias = "chat-messages")
    {
        lock (_gate)
        {
            return _aliases.TryGetValue(alias, out var indices) ? new Dictionary<string, bool?>(indices) : [];
        }
    }

    public void Dispose() => Server.Dispose();

    private (int, string) Answer(RecordedRequest request)
    {
        lock (_gate)
        {
            if (Down) return (503, """{"error":{"type":"master_not_discovered_exception","reason":"no master"},"status":503}""");
            var path = request.DecodedPath.Split('?')[0].Trim('/');
            var segments = path.Split('/');
            return (request.Method, segments) switch
            {
                ("GET", ["_cluster", "health"]) => (200, """{"cluster_name":"fake","status":"green","timed_out":false}"""),
                ("GET", ["_alias", var alias]) => GetAlias(alias),
                ("GET", [var pattern, "_alias"]) => (200, AliasesOf(Matching(pattern))),
                ("POST", ["_aliases"]) => UpdateAliases(request.Body),
                ("PUT", [var index]) => Create(index, request.Body),
                ("DELETE", [var index]) => Delete(index),
                ("POST", [var target, "_bulk"]) => (200, Bulk(target, request.PathAndQuery.Contains("require_alias=true"), request.Lines)),
                ("POST", [_, "_refresh"]) => (200, """{"_shards":{"total":1,"successful":1,"failed":0}}"""),
                ("POST", [var target, "_delete_by_query"]) => (200, DeleteByQuery(target, request)),
                ("POST", [var target, "_search"]) => (200, Search(target, request.Body)),
                _ => Error(400, "illegal_argument_exception", $"{request.Method} {path} is not faked"),
            };
        }
    }

    private (int, string) GetAlias(string alias) => _aliases.TryGetValue(alias, out var indices) && indices.Count > 0
        ? (200, AliasesOf(indices.Keys))
        : (404, $$"""{"error":"alias [{{alias}}] missing","status":404}""");

    private string AliasesOf(IEnumerable<string> indices)
    {
        var answer = new JsonObject();
        foreach (var index in indices)
        {
            var aliases = new JsonObject();
            foreach (var (alias, members) in _aliases.Where(a => a.Value.ContainsKey(index)))
                aliases[alias] = members[index] is { } write ? new JsonObject { ["is_write_index"] = write } : new JsonObject();
            answer[index] = new JsonObject { ["aliases"] = aliases };
        }
        return answer.ToJsonString();
    }

    private IEnumerable<string> Matching(string pattern) =>
        _indices.Keys.Where(name => pattern.EndsWith('*') ? name.StartsWith(pattern[..^1], StringComparison.Ordinal) : name == pattern);

    private (int, string) Create(string index, string body)
    {
        if (_indices.ContainsKey(index)) return Error(400, "resource_already_exists_exception", $"index [{index}/x] already exists");
        _indices[index] = [];
        if (JsonNode.Parse(body)?["aliases"] is JsonObject aliases)
            foreach (var (alias, settings) in aliases)
                AddAlias(alias, index, settings?["is_write_index"]?.GetValue<bool>());
        return (200, $$"""{"acknowledged":true,"shards_acknowledged":true,"index":"{{index}}"}""");
    }

    private (int, string) Delete(string index)
    {
        if (!_indices.Remove(index)) return Error(404, "index_not_found_exception", $"no such index [{index}]");
        foreach (var members in _aliases.Values) members.Remove(index);
        return (200, """{"acknowledged":true}""");
    }

    /// <summary>Applied together, as Elasticsearch does: every action or none.</summary>
    private (int, string) UpdateAliases(string body)
    {
        var actions = JsonNode.Parse(body)!["actions"]!.AsArray().Select(a => a!.AsObject().First()).ToList();
        if (actions.Select(a => a.Value!["index"]!.GetValue<string>()).FirstOrDefault(i => !_indices.ContainsKey(i)) is { } missing)
            return Error(404, "index_not_found_exception", $"no such index [{missing}]");
        foreach (var (action, parameters) in actions)
        {
            var (index, alias) = (parameters!["index"]!.GetValue<string>(), parameters["alias"]!.GetValue<string>());
            if (action == "add") AddAlias(alias, index, parameters["is_write_index"]?.GetValue<bool>());
            else if (action == "remove" && _aliases.TryGetValue(alias, out var members)) members.Remove(index);
        }
        return (200, """{"acknowledged":true,"errors":false}""");
    }

    private void AddAlias(string alias, string index, bool? isWriteIndex)
    {
        if (!_aliases.TryGetValue(alias, out var members)) _aliases[alias] = members = [];
        members[index] = isWriteIndex;
    }

    /// <summary>An alias stands for its indices; anything else for itself (when it exists).</summary>
    private List<string> Resolve(string target) => _aliases.TryGetValue(target, out var members) && members.Count > 0
        ? [.. members.Keys]
        : _indices.ContainsKey(target) ? [target] : [];

    /// <summary>Where a write to <paramref name="target"/> goes: the alias's write index (its only index, or the one flagged).</summary>
    private string? WriteIndex(string target) => _aliases.TryGetValue(target, out var members) && members.Count > 0
        ? members.Count == 1 ? members.Keys.Single() : members.SingleOrDefault(m => m.Value == true).Key
        : _indices.ContainsKey(target) ? target : null;

    private string Bulk(string target, bool requireAlias, string[] lines)
    {
        var index = requireAlias && !_aliases.ContainsKey(target) ? null : WriteIndex(target);
        var items = new JsonArray();
        var errors = false;
        for (var i = 0; i < lines.Length; i++)
        {
            var action = JsonNode.Parse(lines[i])!.AsObject();
            var (name, meta) = (action.First().Key, action.First().Value!);
            var id = meta["_id"]!.GetValue<string>();
            var version = meta["version"]?.GetValue<long>();
            var source = name == "index" ? JsonNode.Parse(lines[++i])!.AsObject() : null;
            var item = new JsonObject { ["_index"] = index, ["_id"] = id };
            int status;
            if (index is null)
            {
                status = 404;
                item["error"] = ErrorCause("index_not_found_exception", $"no such index [{target}] and [require_alias] request flag is [true]");
            }
            else if (source is not null && RejectBodiesContaining is { } poison && source["body"]!.GetValue<string>().Contains(poison))
            {
                status = 400;
                item["error"] = ErrorCause("mapper_parsing_exception", "failed to parse field [body_lc]");
            }
            else if (version is not null && _versions.TryGetValue((index, id), out var stored) && stored >= version)
            {
                status = 409;
                item["error"] = ErrorCause("version_conflict_engine_exception", "version conflict");
            }
            else if (source is not null)
            {
                status = _indices[index].ContainsKey(id) ? 200 : 201;
                _indices[index][id] = source;
            }
            else
            {
                status = _indices[index].Remove(id) ? 200 : 404;
                if (status == 404) item["result"] = "not_found";
            }
            if (version is not null && status < 300 && index is not null) _versions[(index, id)] = version.Value;

            errors |= status >= 300;
            item["status"] = status;
            items.Add(new JsonObject { [name] = item });
        }
        return new JsonObject { ["took"] = 1, ["errors"] = errors, ["items"] = items }.ToJsonString();
    }

    private string DeleteByQuery(string target, RecordedRequest request)
    {
        var (field, value) = Term(JsonNode.Parse(request.Body)!["query"]!);
        var deleted = 0;
        foreach (var index in Resolve(target))
        {
            var doomed = _indices[index].Where(d => d.Value[field]!.GetValue<string>() == value).Select(d => d.Key).ToList();
            doomed.ForEach(id => _indices[index].Remove(id));
            deleted += doomed.Count;
        }
        return request.PathAndQuery.Contains("wait_for_completion=false")
            ? """{"task":"fake:1"}"""
            : $$"""{"took":1,"timed_out":false,"total":{{deleted}},"deleted":{{deleted}},"failures":[]}""";
    }

    /// <summary>The client's query: a chat_key term and a <c>*text*</c> wildcard on body_lc, sorted by number descending.</summary>
    private string Search(string target, string body)
    {
        var query = JsonNode.Parse(body)!;
        var filters = query["query"]!["bool"]!["filter"]!.AsArray();
        var (_, chatKey) = Term(filters[0]!);
        var text = Unescape(filters[1]!["wildcard"]!["body_lc"]!["value"]!.GetValue<string>()[1..^1]);
        var size = query["size"]!.GetValue<int>();
        var after = query["search_after"]?[0]?.GetValue<int>() ?? int.MaxValue;

        // Over every index behind the alias, as Elasticsearch does: a message in two indices is two hits.
        var hits = Resolve(target)
            .SelectMany(index => _indices[index].Values.Select(document => (Index: index, Document: document)))
            .Where(h => h.Document["chat_key"]!.GetValue<string>() == chatKey
                        && h.Document["body_lc"]!.GetValue<string>().Contains(text, StringComparison.Ordinal)
                        && h.Document["number"]!.GetValue<int>() < after)
            .OrderByDescending(h => h.Document["number"]!.GetValue<int>())
            .Take(size)
            .Select(h => (JsonNode)new JsonObject
            {
                ["_index"] = h.Index,
                ["_id"] = $"{chatKey}:{h.Document["number"]}",
                ["_source"] = new JsonObject { ["number"] = h.Document["number"]!.DeepClone() },
                ["sort"] = new JsonArray(h.Document["number"]!.DeepClone()),
            });
        return new JsonObject
        {
            ["took"] = 1,
            ["timed_out"] = false,
            ["_shards"] = new JsonObject { ["total"] = 1, ["successful"] = 1, ["skipped"] = 0, ["failed"] = 0 },
            ["hits"] = new JsonObject { ["max_score"] = null, ["hits"] = new JsonArray([.. hits]) },
        }.ToJsonString();
    }

    /// <summary><c>{"term":{"field":{"value":"v"}}}</c>, or the short form <c>{"term":{"field":"v"}}</c>.</summary>
    private static (string Field, string Value) Term(JsonNode query)
    {
        var (field, condition) = query["term"]!.AsObject().First();
        return (field, (condition is JsonObject ? condition["value"] : condition)!.GetValue<string>());
    }

    private static string Unescape(string wildcard)
    {
        var text = new StringBuilder();
        for (var i = 0; i < wildcard.Length; i++)
            text.Append(wildcard[i] == '\\' && i + 1 < wildcard.Length ? wildcard[++i] : wildcard[i]);
        return text.ToString();
    }

    private static JsonObject ErrorCause(string type, string reason) => new() { ["type"] = type, ["reason"] = reason };

    private static (int, string) Error(int status, string type, string reason) =>
        (status, new JsonObject { ["error"] = ErrorCause(type, reason), ["status"] = status }.ToJsonString());
}
