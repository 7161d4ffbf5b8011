namespace Chat.Domain.Applications;

/// <summary>A customer's application: the tenant that owns chats. Clients know it only by <see cref="Token"/>.</summary>
public sealed class ApplicationRow
{
    public long Id { get; set; }
    public required string Token { get; set; }
    public required string Name { get; set; }
    public int ChatsCount { get; set; }
    public DateTime CreatedAt { get; set; }
    public DateTime UpdatedAt { get; set; }
    /// <summary>Set when the application is deleted; the worker then purges its chats and messages.</summary>
    public DateTime? DeletedAt { get; set; }

    /// <summary>Who may call with the path token alone: <see cref="AuthModes"/>.</summary>
    public string AuthMode { get; set; } = AuthModes.Open;

    /// <summary>The application secret, sealed (encrypted) by the API: never stored in clear. Null for applications created before secrets.</summary>
    public string? SecretSealed { get; set; }

    /// <summary>The secret before the last rotation, sealed, still valid until <see cref="PreviousSecretUntil"/>.</summary>
    public string? PreviousSecretSealed { get; set; }
    public DateTime? PreviousSecretUntil { get; set; }

    /// <summary>The token before the last rotation, still valid until <see cref="PreviousTokenUntil"/>.</summary>
    public string? PreviousToken { get; set; }
    public DateTime? PreviousTokenUntil { get; set; }

    /// <summary>User tokens issued before this instant (or without an issue time) are refused.</summary>
    public DateTime? UserTokensRevokedBefore { get; set; }
}

/// <summary>The values of <see cref="ApplicationRow.AuthMode"/>, as the API names them.</summary>
public static class AuthModes
{
    /// <summary>The path token alone reads and writes everything; a credential that is present is still verified.</summary>
    public const string Open = "open";

    /// <summary>Every request needs the application secret or a user token.</summary>
    public const string UserTokens = "user_tokens";

    public static readonly IReadOnlyList<string> All = [Open, UserTokens];
}
