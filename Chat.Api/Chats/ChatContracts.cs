using System.Text.Json.Serialization;
using Chat.Domain.Messaging;

namespace Chat.Api.Chats;

/// <param name="Members">Users to add with the chat (creation only).</param>
/// <param name="Distinct">Get-or-create the one chat of exactly these members (creation only).</param>
public sealed record ChatRequest(string? Name, IReadOnlyList<string?>? Members = null, bool? Distinct = null);

/// <param name="Members">Current member ids, ordered; omitted when the chat has none.</param>
public sealed record ChatResponse(int Number, string? Name, int MessagesCount, DateTime CreatedAt, DateTime UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Members = null);

/// <summary>
/// A chat as the API knows it: its latest state, and its row id and counts once the worker has persisted it
/// (<see cref="RowId"/> is null while the chat exists only as an accepted command).
/// </summary>
public sealed record KnownChat(ChatState State, long? RowId, int MessagesCount)
{
    public ChatResponse ToResponse(IReadOnlyList<string>? members = null) =>
        new(State.Number, State.Name, MessagesCount, State.CreatedAt, State.UpdatedAt, members is { Count: > 0 } ? members : null);
}
