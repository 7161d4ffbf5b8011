using System.ComponentModel.DataAnnotations;

namespace Chat.Domain.Messaging;

/// <summary>The <c>Messaging</c> section.</summary>
public sealed class MessagingOptions
{
    public const string Section = "Messaging";

    /// <summary>How long a request waits for the broker's confirm before it answers 503.</summary>
    [Range(typeof(TimeSpan), "00:00:00.1", "00:01:00")]
    public TimeSpan ConfirmTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Publishing channels per process; confirms on one channel are sequential, so a few spread the load.</summary>
    [Range(1, 64)]
    public int PublishChannels { get; set; } = 4;

    /// <summary>Deliveries of one command before the broker dead-letters it (quorum queue <c>x-delivery-limit</c>).</summary>
    [Range(1, 100)]
    public int DeliveryLimit { get; set; } = 5;
}
