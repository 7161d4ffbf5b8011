namespace Chat.Api.Messages;

/// <param name="ReplyTo">Only at creation: a live message of the same chat.</param>
/// <param name="Mentions">Only at creation: members of the chat.</param>
/// <param name="Metadata">A JSON object (at most 4 KB); an edit that gives none keeps the message's.</param>
public sealed record MessageRequest(string? Body, string? Sender, DateTime? SentAt, int? ReplyTo = null,
    IReadOnlyList<string?>? Mentions = null, System.Text.Json.JsonElement? Metadata = null);
