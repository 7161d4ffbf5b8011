using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.IndexManagement;
using Elastic.Clients.Elasticsearch.Mapping;

namespace Chat.Domain.Search.Elasticsearch;

/// <summary>The settings and mapping of every versioned messages index (docs/decisions/0006).</summary>
internal static class IndexDefinition
{
    /// <param name="alias">When set, the index is created behind it as its write index.</param>
    public static CreateIndexRequest Create(string index, string? alias) => new(index)
    {
        Settings = new IndexSettings { NumberOfShards = 1, NumberOfReplicas = 0 },
        Aliases = alias is null ? null : new Dictionary<Name, Alias> { [alias] = new() { IsWriteIndex = true } },
        Mappings = new TypeMapping
        {
            Dynamic = DynamicMapping.Strict,
            // Every document is routed by its chat, so one chat's search reads one shard.
            Routing = new RoutingField { Required = true },
            Properties = new Properties
            {
                { "chat_key", new KeywordProperty() },
                { "app_key", new KeywordProperty() },
                { "number", new IntegerNumberProperty() },
                // Stored for display only; search runs on body_lc.
                { "body", new TextProperty { Index = false } },
                // wildcard finds any substring; case_insensitive folds ASCII only, hence the C#-lowered copy.
                { "body_lc", new WildcardProperty() },
                { "created_at", new DateProperty() },
            },
        },
    };

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
}
