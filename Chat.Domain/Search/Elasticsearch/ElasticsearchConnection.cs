using System.Text.Json;
using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.Serialization;
using Elastic.Transport;
using Microsoft.Extensions.Options;

namespace Chat.Domain.Search.Elasticsearch;

/// <summary>
/// The process's one <see cref="ElasticsearchClient"/> (thread-safe, it pools its connections), made on first use:
/// with the database provider there is no URL to make it with, and nothing asks for it.
/// </summary>
public sealed class ElasticsearchConnection(IOptions<ElasticsearchOptions> options)
{
    private readonly Lazy<ElasticsearchClient> _client = new(() => Create(options.Value));

    public ElasticsearchClient Client => _client.Value;

    /// <summary>An absolute http(s) URL, as the client needs.</summary>
    public static bool IsValidUrl(string? url) =>
        Uri.TryCreate(url, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";

    private static ElasticsearchClient Create(ElasticsearchOptions options) =>
        new(new ElasticsearchClientSettings(
                new SingleNodePool(new Uri(options.Url)),
                // The mapping is strict and snake_case; the default source serializer writes camelCase, which it would refuse.
                sourceSerializer: (_, settings) => new DefaultSourceSerializer(settings, json => json.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower))
            .DefaultIndex(options.Alias)
            .RequestTimeout(options.RequestTimeout));
}
