using Chat.Domain.Search;

namespace Chat.Worker.Search;

public static class IndexingSetup
{
    /// <summary>The search provider, and with Elasticsearch the index feed: publisher after each batch, and its consumer.</summary>
    public static IHostApplicationBuilder AddSearchIndexing(this IHostApplicationBuilder builder)
    {
        builder.AddSearch();
        builder.Services.AddSingleton<IndexingPublisher>();
        builder.Services.AddHostedService<IndexConsumer>();
        return builder;
    }
}
