using Chat.Domain.Security;
using System.ComponentModel.DataAnnotations;
using Chat.Domain.Applications;

namespace Chat.Api.Shared.Identity;

/// <summary>The <c>Auth</c> section: application secrets, user tokens and the mode new applications start in (docs/decisions/0014).</summary>
public sealed class AuthOptions : IValidatableObject
{
    public const string Section = "Auth";

    /// <summary>The <c>auth_mode</c> of a new application that does not name one: <c>open</c> or <c>user_tokens</c>.</summary>
    public string DefaultMode { get; set; } = AuthModes.Open;

    /// <summary>The latest <c>exp</c> a user token may carry, counted from now.</summary>
    public TimeSpan MaxUserTokenLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How far clocks may disagree: a token counts this long after its <c>exp</c>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long a secret stays valid after it was rotated, for calls and for user token signatures.</summary>
    public TimeSpan SecretGracePeriod { get; set; } = TimeSpan.FromHours(24);

    /// <summary>
    /// Keys that seal application secrets at rest: base64 of 32 random bytes each, separated by commas. The first seals
    /// new secrets; every one opens what it sealed, so a new key goes first and the old one stays until every secret
    /// was rotated. Required: without it no secret could be kept.
    /// </summary>
    public string EncryptionKeys { get; set; } = "";

    public IEnumerable<ValidationResult> Validate(ValidationContext context)
    {
        if (!AuthModes.All.Contains(DefaultMode))
            yield return new ValidationResult($"Auth:DefaultMode must be one of {string.Join(", ", AuthModes.All)}.", [nameof(DefaultMode)]);
        if (MaxUserTokenLifetime <= TimeSpan.Zero)
            yield return new ValidationResult("Auth:MaxUserTokenLifetime must be positive.", [nameof(MaxUserTokenLifetime)]);
        if (ClockSkew < TimeSpan.Zero || ClockSkew > TimeSpan.FromMinutes(5))
            yield return new ValidationResult("Auth:ClockSkew must be between 0 and 5 minutes.", [nameof(ClockSkew)]);
        if (SecretGracePeriod < TimeSpan.Zero)
            yield return new ValidationResult("Auth:SecretGracePeriod must not be negative.", [nameof(SecretGracePeriod)]);
        if (!SecretBox.TryParseKeys(EncryptionKeys, out _))
            yield return new ValidationResult("Auth:EncryptionKeys is required: one or more keys, each the base64 of 32 random bytes " +
                                              "(openssl rand -base64 32), separated by commas.", [nameof(EncryptionKeys)]);
    }
}
