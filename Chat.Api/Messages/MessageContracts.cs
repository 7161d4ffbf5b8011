namespace Chat.Api.Messages;

/// <param name="ReplyTo">Only at creation: a live message of the same chat.</param>
public sealed record MessageRequest(string? Body, string? Sender, DateTime? SentAt, int? ReplyTo = null);
