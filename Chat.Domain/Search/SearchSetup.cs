using Chat.Domain.Search.Elasticsearch;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Chat.Domain.Search;

public static class SearchSetup
{
    /// <summary>
    /// The search provider (<c>Search__Provider</c> = <c>database</c> | <c>elasticsearch</c>; unset: elasticsearch
    /// when <c>Elasticsearch__Url</c> is set) and, for Elasticsearch, the process's one official client.
    /// Chosen when first resolved, from the options, and validated at start.
    /// </summary>
    public static IHostApplicationBuilder AddSearch(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<ElasticsearchOptions>(ElasticsearchOptions.SectionName);
        builder.Services.AddSettings<SearchOptions>(SearchOptions.Section)
            .PostConfigure<IOptions<ElasticsearchOptions>>((search, elasticsearch) => search.Provider ??=
                string.IsNullOrWhiteSpace(elasticsearch.Value.Url) ? SearchProvider.Database : SearchProvider.Elasticsearch)
            .Validate<IOptions<ElasticsearchOptions>>(
                (search, elasticsearch) => !search.UsesElasticsearch || ElasticsearchConnection.IsValidUrl(elasticsearch.Value.Url),
                "Search:Provider is elasticsearch, so Elasticsearch:Url must be an absolute URL, e.g. http://127.0.0.1:9200");

        builder.Services.AddSingleton<ElasticsearchConnection>();
        builder.Services.AddSingleton<MessageIndex>();
        builder.Services.AddSingleton<IndexVersions>();
        builder.Services.AddSingleton<DatabaseMessageSearch>();
        builder.Services.AddSingleton<ElasticsearchMessageSearch>();
        builder.Services.AddSingleton<IMessageSearch>(sp => sp.GetRequiredService<IOptions<SearchOptions>>().Value.UsesElasticsearch
            ? sp.GetRequiredService<ElasticsearchMessageSearch>()
            : sp.GetRequiredService<DatabaseMessageSearch>());
        return builder;
    }
}
