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
}
