using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Chat.Domain.Security;

/// <summary>
/// Application secrets (and webhook signing secrets, docs/decisions/0016): made here, and sealed with AES-256-GCM under a key from configuration before they are stored, so
/// MySQL, Redis and their backups never hold one in clear (docs/decisions/0014). A sealed value is
/// <c>keyid.base64url(nonce | ciphertext | tag)</c>; the key id says which configured key opens it.
/// </summary>
public sealed class SecretBox
{
    /// <summary>Secrets start with this, so they are told from user tokens at a glance and found by secret scanners.</summary>
    public const string Prefix = "sk_";

    private const int KeyBytes = 32;
    private const int NonceBytes = 12;
    private const int TagBytes = 16;

    /// <summary>What a sealed value is for, bound into it: one kind of value can never be opened as another.</summary>
    public enum Purpose { Secret, ListingCursor, WebhookSecret }

    private static byte[] Bound(Purpose purpose) => purpose switch
    {
        Purpose.Secret => "chat application secret v1"u8.ToArray(),
        Purpose.WebhookSecret => "chat webhook signing secret v1"u8.ToArray(),
        _ => "chat listing cursor v1"u8.ToArray(),
    };

    private readonly (string Id, byte[] Key)[] _keys;

    // Opened secrets by sealed value: opening is cheap, but it happens on every call that presents a credential.
    private readonly ConcurrentDictionary<string, string> _opened = new(StringComparer.Ordinal);
    private const int MaxOpened = 100_000;

    public SecretBox(IOptions<SealingOptions> options)
    {
        if (!TryParseKeys(options.Value.EncryptionKeys, out var keys)) throw new InvalidOperationException("Auth:EncryptionKeys is not valid (see AuthOptions).");
        _keys = keys.Select(k => (KeyId(k), k)).ToArray();
    }

    /// <summary>A new secret: 256 random bits, URL-safe.</summary>
    public static string NewSecret() => Prefix + Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(KeyBytes));

    public string Seal(string secret, Purpose purpose = Purpose.Secret)
    {
        var (id, key) = _keys[0];
        var plain = Encoding.UTF8.GetBytes(secret);
        var sealedBytes = new byte[NonceBytes + plain.Length + TagBytes];
        var nonce = sealedBytes.AsSpan(0, NonceBytes);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagBytes);
        aes.Encrypt(nonce, plain, sealedBytes.AsSpan(NonceBytes, plain.Length), sealedBytes.AsSpan(NonceBytes + plain.Length), Bound(purpose));
        return $"{id}.{Base64Url.EncodeToString(sealedBytes)}";
    }

    /// <exception cref="CryptographicException">Sealed under a key that is no longer configured, or altered.</exception>
    public string Open(string sealedValue, Purpose purpose = Purpose.Secret)
    {
        // Keyed by purpose too: a value cached as one purpose is never returned for another.
        var cacheKey = $"{(int)purpose}:{sealedValue}";
        if (purpose != Purpose.ListingCursor && _opened.TryGetValue(cacheKey, out var opened)) return opened;
        var dot = sealedValue.IndexOf('.');
        var key = _keys.FirstOrDefault(k => dot > 0 && sealedValue.AsSpan(0, dot).SequenceEqual(k.Id)).Key
                  ?? throw new CryptographicException("The key this secret was sealed with is not among Auth:EncryptionKeys.");
        var bytes = Base64Url.DecodeFromChars(sealedValue.AsSpan(dot + 1));
        if (bytes.Length < NonceBytes + TagBytes) throw new CryptographicException("Too short to be sealed.");
        var plain = new byte[bytes.Length - NonceBytes - TagBytes];
        using var aes = new AesGcm(key, TagBytes);
        aes.Decrypt(bytes.AsSpan(0, NonceBytes), bytes.AsSpan(NonceBytes, plain.Length), bytes.AsSpan(NonceBytes + plain.Length), plain, Bound(purpose));
        var value = Encoding.UTF8.GetString(plain);
        if (purpose == Purpose.ListingCursor) return value;
        if (_opened.Count >= MaxOpened) _opened.Clear();
        _opened[cacheKey] = value;
        return value;
    }

    /// <summary><see cref="Open"/> for a value from outside (a cursor in a query): false when it was not sealed here.</summary>
    public bool TryOpen(string sealedValue, Purpose purpose, out string value)
    {
        try
        {
            value = Open(sealedValue, purpose);
            return true;
        }
        catch (Exception e) when (e is CryptographicException or FormatException or ArgumentException)
        {
            value = "";
            return false;
        }
    }

    public static bool TryParseKeys(string configured, out List<byte[]> keys)
    {
        keys = [];
        foreach (var part in configured.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            var key = new byte[KeyBytes];
            if (!Convert.TryFromBase64String(part, key, out var length) || length != KeyBytes) return false;
            keys.Add(key);
        }
        return keys.Count > 0;
    }

    /// <summary>A short, stable name of a key that does not reveal it.</summary>
    private static string KeyId(byte[] key) => Convert.ToHexStringLower(SHA256.HashData(key))[..8];
}
