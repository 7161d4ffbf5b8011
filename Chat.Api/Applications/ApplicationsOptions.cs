namespace Chat.Api.Applications;

/// <summary>The <c>Applications</c> section.</summary>
public sealed class ApplicationsOptions
{
    public const string Section = "Applications";

    /// <summary>Creating an application needs the <c>X-Admin-Key</c> (deployments where only operators create them).</summary>
    public bool RequireAdminKey { get; set; }

    /// <summary>The longest grace a token rotation may give the previous token.</summary>
    public static readonly TimeSpan MaxTokenGrace = TimeSpan.FromDays(30);
}
