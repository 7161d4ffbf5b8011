using System.Security.Cryptography;

namespace Chat.Contracts;

/// <summary>Application tokens: 192 random bits from the OS CSPRNG, base64url without padding.</summary>
public static class ApplicationToken
{
    private const int RandomBytes = 24;

    /// <summary>Every token has exactly this many characters (24 bytes encode to 32 base64 characters).</summary>
    public const int Length = RandomBytes / 3 * 4;

    public static string New() => Base64Url(RandomNumberGenerator.GetBytes(RandomBytes));

    /// <summary>Rejects anything that cannot be a token before it reaches a cache or database lookup.</summary>
    public static bool IsWellFormed(string? token) =>
        token is { Length: Length } && token.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).Replace('+', '-').Replace('/', '_');
}
