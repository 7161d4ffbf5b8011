using System.Text.Json.Serialization;
using Chat.Api.Shared;

namespace Chat.Api.Applications;

/// <param name="AuthMode"><c>open</c> or <c>user_tokens</c>; at creation, or changed by the server role.</param>
/// <param name="RevokeUserTokensIssuedBefore">User tokens issued before this instant stop working (server role).</param>
public sealed record ApplicationRequest(string? Name, string? AuthMode = null, DateTime? RevokeUserTokensIssuedBefore = null);

/// <param name="Secret">Only in the answer to creation: the server role's credential, never shown again.</param>
public sealed record ApplicationResponse(string Token, string Name, int ChatsCount, string AuthMode, DateTime CreatedAt, DateTime UpdatedAt,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTime? RevokeUserTokensIssuedBefore = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Secret = null)
{
    public static ApplicationResponse Of(KnownApplication app) => new(app.Token, app.Name, app.ChatsCount, app.Access.Mode,
        app.CreatedAt, app.UpdatedAt, app.Access.UserTokensRevokedBefore);
}

/// <param name="GraceSeconds">How long the previous token keeps working; 0 (the default) stops it at once.</param>
public sealed record TokenRotationRequest(int? GraceSeconds);

public sealed record RotatedSecret(string Secret);

public sealed record RotatedToken(string Token, DateTime? PreviousTokenValidUntil);

/// <summary>An application in the operators' listing: never its secret, and of its token only the start, to recognise it.</summary>
public sealed record ListedApplication(string TokenPrefix, string Name, int ChatsCount, string AuthMode, DateTime CreatedAt, DateTime UpdatedAt);
