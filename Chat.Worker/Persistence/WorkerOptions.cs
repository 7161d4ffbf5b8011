namespace Chat.Worker.Persistence;

/// <summary>The <c>Worker</c> section.</summary>
public sealed class WorkerOptions
{
    public const string Section = "Worker";

    /// <summary>Unacknowledged deliveries the broker may hand this worker (bounded prefetch).</summary>
    public ushort Prefetch { get; set; } = 2000;

    /// <summary>A batch is written when it has this many commands …</summary>
    public int BatchSize { get; set; } = 500;

    /// <summary>… or when this much time has passed since its first command arrived.</summary>
    public TimeSpan BatchWindow { get; set; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Trips round the retry queue (about a second each) before a message whose chat never appears is dead-lettered.</summary>
    public int MaxWaits { get; set; } = 120;
}
