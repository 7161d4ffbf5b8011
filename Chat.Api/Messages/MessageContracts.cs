using Chat.Domain.Messaging;

namespace Chat.Api.Messages;

public sealed record MessageRequest(string? Body, string? Sender, DateTime? SentAt);

public sealed record MessageResponse(
    int Number, string Body, string? Sender, DateTime? SentAt, string Status, DateTime CreatedAt, DateTime UpdatedAt);

public static class MessageMapping
{
    public static MessageResponse ToResponse(this MessageState m, string status = "sent") =>
        new(m.Number, m.Body, m.Sender, m.SentAt, status, m.CreatedAt, m.UpdatedAt);
}
