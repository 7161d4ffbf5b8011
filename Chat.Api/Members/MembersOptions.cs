using System.ComponentModel.DataAnnotations;

namespace Chat.Api.Members;

/// <summary>The <c>Members</c> section.</summary>
public sealed class MembersOptions
{
    public const string Section = "Members";

    /// <summary>
    /// Members a chat may have. Every read of a chat's messages loads its members (for the status), so this bounds that
    /// cost. Checked when members are added; concurrent additions may overshoot it by a few.
    /// </summary>
    [Range(1, 100_000)]
    public int MaxPerChat { get; set; } = 1000;
}
