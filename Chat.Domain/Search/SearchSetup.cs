using Chat.Domain.Search.Elasticsearch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Chat.Domain.Search;

public static class SearchSetup
{
    /// <summary>
    /// The search provider (<c>Search__Provider</c> = <c>database</c> | <c>elasticsearch</c>; unset: elasticsearch
    /// when <c>Elasticsearch__Url</c> is set) and, for Elasticsearch, its typed <see cref="HttpClient"/>.
    /// Chosen when first resolved, from the options, and validated at start.
    /// </summary>
    public static IHostApplicationBuilder AddSearch(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ElasticsearchOptions>().BindConfiguration(ElasticsearchOptions.SectionName);
        builder.Services.AddOptions<SearchOptions>()
            .BindConfiguration(SearchOptions.Section)
            .PostConfigure<IOptions<ElasticsearchOptions>>((search, elasticsearch) => search.Provider ??=
                string.IsNullOrWhiteSpace(elasticsearch.Value.Url) ? SearchProvider.Database : SearchProvider.Elasticsearch)
            .Validate<IOptions<ElasticsearchOptions>>(
                (search, elasticsearch) => !search.UsesElasticsearch || BaseAddress(elasticsearch.Value) is not null,
                "Search:Provider is elasticsearch, so Elasticsearch:Url must be an absolute URL, e.g. http://127.0.0.1:9200")
            .ValidateOnStart();

        builder.Services.AddHttpClient<ElasticsearchClient>((sp, http) =>
            {
                var options = sp.GetRequiredService<IOptions<ElasticsearchOptions>>().Value;
                http.BaseAddress = BaseAddress(options);
                http.Timeout = options.RequestTimeout;
            })
            // The client lives in singletons (the indexer, the search provider): one handler for good, whose
            // pooled connections are renewed so a changed DNS entry is followed.
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(2) })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            // Not a log line per bulk request and per search: failures surface as exceptions, which are logged.
            .RemoveAllLoggers();
        builder.Services.AddSingleton<DatabaseMessageSearch>();
        builder.Services.AddSingleton<ElasticsearchMessageSearch>();
        builder.Services.AddSingleton<IMessageSearch>(sp => sp.GetRequiredService<IOptions<SearchOptions>>().Value.UsesElasticsearch
            ? sp.GetRequiredService<ElasticsearchMessageSearch>()
            : sp.GetRequiredService<DatabaseMessageSearch>());
        return builder;
    }

    /// <summary>The URL with a trailing slash, so request paths are relative to it (a proxy prefix survives).</summary>
    private static Uri? BaseAddress(ElasticsearchOptions options) =>
        Uri.TryCreate(options.Url, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"
            ? new Uri(url.AbsoluteUri.EndsWith('/') ? url.AbsoluteUri : url.AbsoluteUri + "/")
            : null;
}
