using System.ComponentModel.DataAnnotations;

namespace Chat.Domain.Pipeline;

/// <summary>The <c>Feed</c> section (docs/decisions/0015).</summary>
public sealed class FeedOptions
{
    public const string Section = "Feed";

    /// <summary>How long feed entries are kept; older days are dropped whole (410 for a reader that is further behind).</summary>
    [Range(typeof(TimeSpan), "1.00:00:00", "3650.00:00:00")]
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(30);

    /// <summary>
    /// A missing position is waited for (the page stops before it) until the entry after it is this old. Positions are
    /// missing only after Redis lost data (they were never handed out, or their entries are still on their way from the
    /// queue), so this bounds how long a reader waits on a gap that may never fill; the epoch tells it one happened.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan GapTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
