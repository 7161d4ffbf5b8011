using Chat.Domain.Search;

namespace Chat.Worker.Search;

public static class IndexingSetup
{
    /// <summary>The search provider, and with Elasticsearch the index feed: publisher after each batch, and its consumer.</summary>
    public static IHostApplicationBuilder AddSearchIndexing(this IHostApplicationBuilder builder)
    {
        builder.AddSearchTools();
        builder.Services.AddSingleton<IndexingPublisher>();
        builder.Services.AddHostedService<IndexConsumer>();
        return builder;
    }

    /// <summary>What the indexer and the <c>reindex</c> command share: the search options and index, the index queues.</summary>
    public static IHostApplicationBuilder AddSearchTools(this IHostApplicationBuilder builder)
    {
        builder.AddSearch();
        builder.Services.AddSingleton<IndexQueues>();
        builder.Services.AddSingleton<IndexDeadLetters>();
        return builder;
    }
}
