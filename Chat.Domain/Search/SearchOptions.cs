using System.ComponentModel.DataAnnotations;

namespace Chat.Domain.Search;

public enum SearchProvider
{
    /// <summary>A LIKE scan of one chat's rows in MySQL: no extra service, a bounded scan per page.</summary>
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

    /// <summary>
    /// Database provider: the most message rows one page may scan. A page that uses it up ends early with
    /// <c>next</c>, so a page costs the same in a chat of 1,000 or 10,000,000 messages (docs/decisions/0011).
    /// </summary>
    [Range(100, 1_000_000)]
    public int ScanBudget { get; set; } = 5_000;

    /// <summary>Database provider: the server stops a search statement after this long (a backstop; a page takes milliseconds).</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan StatementTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Index commands sent to Elasticsearch in one bulk request (at most; a batch never splits a broker message).</summary>
    [Range(1, 100_000)]
    public int IndexBatchSize { get; set; } = 1000;

    /// <summary>How long the indexer waits for more commands after the first before it writes.</summary>
    public TimeSpan IndexBatchWindow { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Unacknowledged broker messages (of up to 100 commands each) the indexer may hold.</summary>
    [Range(1, ushort.MaxValue)]
    public ushort IndexPrefetch { get; set; } = 50;

    /// <summary>First wait after Elasticsearch turned out unavailable; it doubles up to 30 s.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan IndexRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long the indexer keeps retrying one batch before it puts the batch back at the end of the queue.
    /// Well under RabbitMQ's consumer timeout (30 min), which would otherwise close the channel and count a
    /// delivery against the queue's delivery limit for every minute Elasticsearch is down.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:25:00")]
    public TimeSpan IndexHoldLimit { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Messages read from MySQL and written to the new index per bulk request by <c>Chat.Worker reindex</c>.</summary>
    [Range(1, 10_000)]
    public int ReindexBatchSize { get; set; } = 1000;
}
