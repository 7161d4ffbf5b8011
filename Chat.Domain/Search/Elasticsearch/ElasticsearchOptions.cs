using System.ComponentModel.DataAnnotations;

namespace Chat.Domain.Search.Elasticsearch;

/// <summary>Settings of the "Elasticsearch" configuration section.</summary>
public sealed class ElasticsearchOptions
{
    public const string SectionName = "Elasticsearch";

    [Required]
    public string Url { get; set; } = "";

    /// <summary>Versioned physical index; code reads and writes through <see cref="Alias"/> so a reindex needs no change.</summary>
    [Required]
    public string Index { get; set; } = "chat-messages-v1";

    [Required]
    public string Alias { get; set; } = "chat-messages";

    /// <summary>Retries of a bulk request (or of its failed items) after the first attempt.</summary>
    [Range(0, 20)]
    public int MaxRetries { get; set; } = 5;

    /// <summary>First back-off delay; it doubles on every retry and is jittered.</summary>
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest wait for one HTTP request, so a hung cluster fails a search instead of holding it.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a readiness probe lets the cluster take to reach yellow.</summary>
    public TimeSpan HealthTimeout { get; set; } = TimeSpan.FromSeconds(1);
}
