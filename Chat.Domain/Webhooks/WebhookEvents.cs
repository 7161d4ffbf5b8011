namespace Chat.Domain.Webhooks;

/// <summary>The event types of the change feed a webhook may ask for (docs/decisions/0015), and its filter.</summary>
public static class WebhookEvents
{
    public const string All = "*";

    public static readonly IReadOnlySet<string> Types = new HashSet<string>(StringComparer.Ordinal)
    {
        "chat.created", "chat.updated", "chat.deleted",
        "message.created", "message.updated", "message.deleted",
        "member.added", "member.removed", "receipt.updated",
        "reaction.added", "reaction.removed",
    };

    public static bool Wants(IReadOnlyCollection<string> filter, string type) => filter.Contains(All) || filter.Contains(type);

    /// <summary>Stored as one comma-separated column: at most eleven short names.</summary>
    public static string Store(IEnumerable<string> filter) => string.Join(',', filter);

    public static string[] Read(string stored) => stored.Split(',', StringSplitOptions.RemoveEmptyEntries);
}
