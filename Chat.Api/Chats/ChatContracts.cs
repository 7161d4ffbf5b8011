namespace Chat.Api.Chats;

/// <param name="Members">Users to add with the chat (creation only).</param>
/// <param name="Distinct">Get-or-create the one chat of exactly these members (creation only).</param>
public sealed record ChatRequest(string? Name, IReadOnlyList<string?>? Members = null, bool? Distinct = null);
