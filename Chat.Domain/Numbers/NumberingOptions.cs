using Chat.Contracts;
using System.ComponentModel.DataAnnotations;

namespace Chat.Domain.Numbers;

/// <summary>The <c>Numbers</c> section.</summary>
public sealed class NumberingOptions
{
    public const string Section = "Numbers";

    /// <summary>
    /// Numbers reserved in MySQL at a time per scope. Larger blocks mean fewer reservations and larger gaps
    /// after Redis loses its data.
    /// </summary>
    [Range(1, 1_000_000)]
    public int BlockSize { get; set; } = 1000;

    /// <summary>
    /// The same for an application's feed positions, which every change of every chat takes: reserved a block ahead,
    /// 10,000 of them carry an application at 200 changes/s through a 50-second MySQL outage. A larger gap after a
    /// Redis loss costs the feed nothing (a new epoch announces it).
    /// </summary>
    [Range(1, 1_000_000)]
    public int FeedBlockSize { get; set; } = 10_000;

    public int BlockSizeOf(string scope) => NumberScopes.IsFeed(scope) ? FeedBlockSize : BlockSize;
}
