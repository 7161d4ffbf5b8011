using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Chat.Domain.Search.Elasticsearch;

/// <summary>Request bodies in Elasticsearch 8.x's documented wire format.</summary>
internal static class ElasticsearchRequests
{
    public static JsonObject CreateIndex(string alias) => new()
    {
        ["settings"] = new JsonObject { ["number_of_shards"] = 1, ["number_of_replicas"] = 0 },
        ["aliases"] = new JsonObject { [alias] = new JsonObject() },
        ["mappings"] = new JsonObject
        {
            ["dynamic"] = "strict",
            ["_routing"] = new JsonObject { ["required"] = true },
            ["properties"] = new JsonObject
            {
                ["chat_key"] = Field("keyword"),
                ["app_key"] = Field("keyword"),
                ["number"] = Field("integer"),
                // Stored for display only; search runs on body_lc.
                ["body"] = new JsonObject { ["type"] = "text", ["index"] = false },
                // wildcard finds any substring; case_insensitive folds ASCII only, hence the C#-lowered copy.
                ["body_lc"] = Field("wildcard"),
                ["created_at"] = Field("date"),
            },
        },
    };

    public static JsonObject Search(string chatKey, string query, int size, int? searchAfterNumber)
    {
        var body = new JsonObject
        {
            ["size"] = size,
            ["track_total_hits"] = true,
            ["_source"] = new JsonArray("number", "body", "created_at"),
            ["query"] = new JsonObject
            {
                ["bool"] = new JsonObject
                {
                    ["filter"] = new JsonArray(
                        // Routing only picks the shard; other chats share it.
                        Term("chat_key", chatKey),
                        new JsonObject
                        {
                            ["wildcard"] = new JsonObject
                            {
                                ["body_lc"] = new JsonObject
                                {
                                    ["value"] = ContainsPattern(query),
                                    ["case_insensitive"] = true,
                                },
                            },
                        }),
                },
            },
            ["sort"] = new JsonArray(new JsonObject { ["number"] = "desc" }),
        };
        if (searchAfterNumber is { } after)
        {
            body["search_after"] = new JsonArray(after);
        }

        return body;
    }

    public static JsonObject DeleteByTerm(string field, string value) => new() { ["query"] = Term(field, value) };

    /// <summary>
    /// <c>*{q}*</c> over the lower-cased body. Only <c>*</c>, <c>?</c> and <c>\</c> are special; the
    /// backslash goes first so the escapes added for the others are not escaped again.
    /// </summary>
    public static string ContainsPattern(string query)
    {
        var escaped = query.ToLowerInvariant()
            .Replace(@"\", @"\\", StringComparison.Ordinal)
            .Replace("*", @"\*", StringComparison.Ordinal)
            .Replace("?", @"\?", StringComparison.Ordinal);
        return $"*{escaped}*";
    }

    /// <summary>
    /// NDJSON: an action line per operation (plus the source for an index), every line compact and
    /// terminated by '\n', the last included, or Elasticsearch rejects the whole request.
    /// </summary>
    public static byte[] Bulk(IEnumerable<BulkOperation> operations)
    {
        using var buffer = new MemoryStream();
        foreach (var operation in operations)
        {
            switch (operation)
            {
                case BulkOperation.Index index:
                    WriteLine(buffer, writer => WriteAction(writer, "index", index.Document.ChatKey, index.Document.Number, index.Version));
                    WriteLine(buffer, writer => WriteSource(writer, index.Document));
                    break;
                case BulkOperation.Delete delete:
                    WriteLine(buffer, writer => WriteAction(writer, "delete", delete.ChatKey, delete.Number, delete.Version));
                    break;
                default:
                    throw new ArgumentException($"Unknown bulk operation {operation.GetType().Name}.", nameof(operations));
            }
        }

        return buffer.ToArray();
    }

    /// <summary>The id must include the chat: with custom routing, _id is unique only within a shard.</summary>
    public static string DocumentId(string chatKey, int number) =>
        string.Create(CultureInfo.InvariantCulture, $"{chatKey}:{number}");

    /// <summary>Exactly the media type, no charset parameter: Elasticsearch answers 406 otherwise.</summary>
    public static ByteArrayContent Content(byte[] body, string mediaType) =>
        new(body) { Headers = { ContentType = new MediaTypeHeaderValue(mediaType) } };

    public static ByteArrayContent Json(JsonNode body) =>
        Content(Encoding.UTF8.GetBytes(body.ToJsonString()), "application/json");

    private static JsonObject Field(string type) => new() { ["type"] = type };

    private static JsonObject Term(string field, string value) =>
        new() { ["term"] = new JsonObject { [field] = value } };

    private static void WriteAction(Utf8JsonWriter writer, string action, string chatKey, int number, long? version)
    {
        writer.WriteStartObject();
        writer.WriteStartObject(action);
        writer.WriteString("_id", DocumentId(chatKey, number));
        writer.WriteString("routing", chatKey);
        if (version is { } external)
        {
            // Applied only if greater than the stored version; otherwise the item answers 409.
            writer.WriteNumber("version", external);
            writer.WriteString("version_type", "external");
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void WriteSource(Utf8JsonWriter writer, MessageDocument document)
    {
        writer.WriteStartObject();
        writer.WriteString("chat_key", document.ChatKey);
        writer.WriteString("app_key", document.AppKey);
        writer.WriteNumber("number", document.Number);
        writer.WriteString("body", document.Body);
        writer.WriteString("body_lc", document.Body.ToLowerInvariant());
        // Milliseconds: the precision a date field keeps.
        writer.WriteString("created_at", document.CreatedAt.UtcDateTime.ToString(
            "yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
        writer.WriteEndObject();
    }

    private static void WriteLine(Stream buffer, Action<Utf8JsonWriter> write)
    {
        using (var writer = new Utf8JsonWriter(buffer))
        {
            write(writer);
        }

        buffer.WriteByte((byte)'\n');
    }
}
