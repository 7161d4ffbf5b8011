namespace Chat.Api.Messages;

public sealed record MessageRequest(string? Body, string? Sender, DateTime? SentAt);
