using System.ComponentModel.DataAnnotations;

namespace Chat.Worker.Outbox;

/// <summary>The <c>Outbox</c> section: how the sweeper finds and re-publishes accepted states that never reached MySQL.</summary>
public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    /// <summary>An entry this long after it was accepted (or last re-published) is taken for lost. Far above a healthy worker's lag (milliseconds).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan Age { get; set; } = TimeSpan.FromMinutes(1);

    [Range(typeof(TimeSpan), "00:00:00.1", "01:00:00")]
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>Re-publications of one entry before the sweeper gives up on it: its command keeps failing (see the dead-letter queue).</summary>
    [Range(1, 1000)]
    public int MaxTries { get; set; } = 5;

    /// <summary>With more commands than this ready in <c>chat.commands</c>, an old entry may simply be queued: the sweep waits for the worker.</summary>
    [Range(0, int.MaxValue)]
    public int MaxQueued { get; set; } = 2000;

    [Range(1, 100_000)]
    public int ApplicationsPerSweep { get; set; } = 200;

    [Range(1, 100_000)]
    public int EntriesPerApplication { get; set; } = 500;
}
