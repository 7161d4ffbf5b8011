using Chat.Domain.Security;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.IdentityModel.Tokens;

namespace Chat.Api.Shared.Identity;

/// <summary>The credential a request presents: <c>Authorization: Bearer …</c>, or on the hub SignalR's <c>access_token</c> query.</summary>
public static class Credential
{
    /// <summary>Paths where a browser's WebSocket cannot send headers, so the token comes in the query (SignalR's convention).</summary>
    public const string HubPaths = "/hubs";

    /// <summary>Whether the request presents any credential at all: one that is present is always verified (API.md).</summary>
    public static bool IsPresented(HttpRequest request) =>
        request.Headers.Authorization.Count > 0 || (OnHub(request) && request.Query.ContainsKey("access_token"));

    /// <summary>The bearer value, or null when none is presented or it is not a bearer credential (then it cannot be verified).</summary>
    public static string? Of(HttpRequest request)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.Length > 0)
            return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && header.Length > 7 ? header[7..].Trim() : null;
        return OnHub(request) && request.Query["access_token"].ToString() is { Length: > 0 } query ? query : null;
    }

    /// <summary>A JWT has three dot-separated parts; a secret has no dot.</summary>
    public static bool IsJwt(string? credential) => credential is not null && credential.Count(c => c == '.') == 2;

    private static bool OnHub(HttpRequest request) => request.Path.StartsWithSegments(HubPaths);
}

/// <summary>An application's secrets as they stand now: the current one, and the previous one during its grace.</summary>
public sealed class ApplicationSecrets(SecretBox box, TimeProvider time)
{
    private readonly ConcurrentDictionary<string, SymmetricSecurityKey> _keys = new(StringComparer.Ordinal);
    private const int MaxKeys = 100_000;

    public IReadOnlyList<string> Of(KnownApplication app)
    {
        var access = app.Access;
        var secrets = new List<string>(2);
        if (access.SealedSecret is { } current) secrets.Add(box.Open(current));
        if (access.PreviousSealedSecret is { } previous && time.GetUtcNow().UtcDateTime < access.PreviousSecretUntil) secrets.Add(box.Open(previous));
        return secrets;
    }

    /// <summary>The keys a user token of the application may be signed with (HS256 over the secret's UTF-8 bytes).</summary>
    public IEnumerable<SecurityKey> SigningKeysOf(KnownApplication app) => Of(app).Select(secret =>
    {
        if (_keys.Count >= MaxKeys) _keys.Clear();
        return _keys.GetOrAdd(secret, s => new SymmetricSecurityKey(Encoding.UTF8.GetBytes(s)));
    });

    /// <summary>Whether <paramref name="presented"/> is one of the application's secrets, compared in constant time.</summary>
    public bool IsSecretOf(KnownApplication app, string presented)
    {
        var given = Encoding.UTF8.GetBytes(presented);
        var match = false;
        foreach (var secret in Of(app)) match |= CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(secret));
        return match;
    }
}
