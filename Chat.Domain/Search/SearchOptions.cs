namespace Chat.Domain.Search;

public enum SearchProvider
{
    /// <summary>A LIKE scan of one chat's rows in MySQL: no extra service, cost grows with the chat's size.</summary>
    Database,

    /// <summary>The Elasticsearch index the worker feeds through <c>chat.index</c>.</summary>
    Elasticsearch,
}

/// <summary>The <c>Search</c> section: which provider answers searches, and how the worker feeds the index.</summary>
public sealed class SearchOptions
{
    public const string Section = "Search";

    /// <summary>Unset: <see cref="SearchProvider.Elasticsearch"/> when <c>Elasticsearch:Url</c> is set, else <see cref="SearchProvider.Database"/>.</summary>
    public SearchProvider? Provider { get; set; }

    public bool UsesElasticsearch => Provider == SearchProvider.Elasticsearch;

    /// <summary>Index commands sent to Elasticsearch in one bulk request (at most; a batch never splits a broker message).</summary>
    public int IndexBatchSize { get; set; } = 1000;

    /// <summary>How long the indexer waits for more commands after the first before it writes.</summary>
    public TimeSpan IndexBatchWindow { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Unacknowledged broker messages (of up to 100 commands each) the indexer may hold.</summary>
    public ushort IndexPrefetch { get; set; } = 50;

    /// <summary>First wait after Elasticsearch turned out unavailable; it doubles up to 30 s.</summary>
    public TimeSpan IndexRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long the indexer keeps retrying one batch before it puts the batch back at the end of the queue.
    /// Well under RabbitMQ's consumer timeout (30 min), which would otherwise close the channel and count a
    /// delivery against the queue's delivery limit for every minute Elasticsearch is down.
    /// </summary>
    public TimeSpan IndexHoldLimit { get; set; } = TimeSpan.FromMinutes(5);
}
