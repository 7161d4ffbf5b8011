namespace Chat.Api.Chats;

/// <param name="Members">Users to add with the chat (creation only).</param>
/// <param name="Distinct">Get-or-create the one chat of exactly these members (creation only).</param>
/// <param name="Metadata">A JSON object (at most 4 KB); an update that gives none keeps the chat's.</param>
public sealed record ChatRequest(string? Name, IReadOnlyList<string?>? Members = null, bool? Distinct = null,
    System.Text.Json.JsonElement? Metadata = null);
