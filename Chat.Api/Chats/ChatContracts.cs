using Chat.Domain.Messaging;

namespace Chat.Api.Chats;

public sealed record ChatRequest(string? Name);

public sealed record ChatResponse(int Number, string? Name, int MessagesCount, DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>
/// A chat as the API knows it: its latest state, and its row id and counts once the worker has persisted it
/// (<see cref="RowId"/> is null while the chat exists only as an accepted command).
/// </summary>
public sealed record KnownChat(ChatState State, long? RowId, int MessagesCount)
{
    public ChatResponse ToResponse() => new(State.Number, State.Name, MessagesCount, State.CreatedAt, State.UpdatedAt);
}
