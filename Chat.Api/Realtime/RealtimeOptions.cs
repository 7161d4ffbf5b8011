using System.ComponentModel.DataAnnotations;

namespace Chat.Api.Realtime;

/// <summary>The <c>Realtime</c> section.</summary>
public sealed class RealtimeOptions : IValidatableObject
{
    public const string Section = "Realtime";

    /// <summary>A connection not refreshed for this long no longer counts as online (a replica that crashed).</summary>
    public TimeSpan PresenceTtl { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>How often each replica refreshes the presence of its connections; well under <see cref="PresenceTtl"/>.</summary>
    public TimeSpan PresenceHeartbeat { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Typing notices one connection may send per second; more are dropped.</summary>
    [Range(1, 1000)]
    public int TypingPerSecond { get; set; } = 3;

    /// <summary>Joins one connection may ask for per second; more are refused (each costs look-ups).</summary>
    [Range(1, 1000)]
    public int JoinsPerSecond { get; set; } = 10;

    /// <summary>Chats one connection may join.</summary>
    [Range(1, 10_000)]
    public int MaxChatsPerConnection { get; set; } = 100;

    public IEnumerable<ValidationResult> Validate(ValidationContext context)
    {
        if (PresenceHeartbeat <= TimeSpan.Zero || PresenceHeartbeat >= PresenceTtl)
            yield return new ValidationResult("Realtime:PresenceHeartbeat must be positive and shorter than Realtime:PresenceTtl.",
                [nameof(PresenceHeartbeat)]);
    }
}
