using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Chat.Tests.Infrastructure;

/// <summary>
/// User tokens as an integrator's backend signs them (README, "Authentication"): a JWT, HS256 over the application
/// secret's UTF-8 bytes, built by hand so the tests depend on the wire format and not on the library that validates it.
/// </summary>
public static class UserTokens
{
    /// <summary>A token for <paramref name="user"/> issued now, valid for <paramref name="lifetime"/> (default 1 hour).</summary>
    public static string For(string secret, string user, TimeSpan? lifetime = null)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return Sign(secret, new Dictionary<string, object> { ["sub"] = user, ["iat"] = now, ["exp"] = now + (long)(lifetime ?? TimeSpan.FromHours(1)).TotalSeconds });
    }

    /// <summary>Any payload, any <c>alg</c> in the header; <c>none</c> has an empty signature.</summary>
    public static string Sign(string secret, IReadOnlyDictionary<string, object> payload, string alg = "HS256")
    {
        var header = Encode(new Dictionary<string, object> { ["alg"] = alg, ["typ"] = "JWT" });
        var body = Encode(payload);
        var signature = alg switch
        {
            "none" => "",
            "HS512" => Base64Url.EncodeToString(HMACSHA512.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{header}.{body}"))),
            _ => Base64Url.EncodeToString(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{header}.{body}"))),
        };
        return $"{header}.{body}.{signature}";
    }

    public static long Unix(DateTimeOffset at) => at.ToUnixTimeSeconds();

    private static string Encode(IReadOnlyDictionary<string, object> json) => Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(json));
}
