using System.ComponentModel.DataAnnotations;

namespace Chat.Worker.Persistence;

/// <summary>The <c>Worker</c> section.</summary>
public sealed class WorkerOptions
{
    public const string Section = "Worker";

    /// <summary>Unacknowledged deliveries the broker may hand this worker (bounded prefetch).</summary>
    [Range(1, 65535)]
    public ushort Prefetch { get; set; } = 2000;

    /// <summary>A batch is written when it has this many commands …</summary>
    [Range(1, 10_000)]
    public int BatchSize { get; set; } = 500;

    /// <summary>… or when this much time has passed since its first command arrived.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:00:10")]
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Trips round the retry queue (about a second each) before a message whose chat never appears is dead-lettered.</summary>
    [Range(1, 100_000)]
    public int MaxWaits { get; set; } = 120;
}
