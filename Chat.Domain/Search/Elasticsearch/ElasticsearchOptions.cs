using System.ComponentModel.DataAnnotations;

namespace Chat.Domain.Search.Elasticsearch;

/// <summary>Settings of the "Elasticsearch" configuration section.</summary>
public sealed class ElasticsearchOptions
{
    public const string SectionName = "Elasticsearch";

    /// <summary>Required with the Elasticsearch provider (checked by <see cref="SearchSetup"/>).</summary>
    public string Url { get; set; } = "";

    /// <summary>
    /// The name code reads and writes through. The indices behind it are versioned (<c>{Alias}-v1</c>, <c>-v2</c>, …),
    /// so <c>Chat.Worker reindex</c> can build a new one and switch (docs/decisions/0011).
    /// </summary>
    [Required]
    [RegularExpression("^[a-z0-9][a-z0-9_.-]*$", ErrorMessage = "Elasticsearch:Alias must be a lower-case index name, e.g. chat-messages.")]
    public string Alias { get; set; } = "chat-messages";

    /// <summary>Retries of a bulk request (or of its failed items) after the first attempt.</summary>
    [Range(0, 20)]
    public int MaxRetries { get; set; } = 5;

    /// <summary>First back-off delay; it doubles on every retry and is jittered.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan BaseDelay { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Longest wait for one HTTP request, so a hung cluster fails a search instead of holding it.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a readiness probe lets the cluster take to reach yellow.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:01:00")]
    public TimeSpan HealthTimeout { get; set; } = TimeSpan.FromSeconds(1);
}
