namespace Chat.Domain.Security;

/// <summary>
/// The one key of the <c>Auth</c> section both processes need: the API seals secrets, the worker opens webhook signing
/// secrets to sign deliveries (docs/decisions/0016). The API's AuthOptions validates the same key at start.
/// </summary>
public sealed class SealingOptions
{
    public const string Section = "Auth";

    /// <summary>Base64 of 32 random bytes each, separated by commas; the first seals, every one opens.</summary>
    public string EncryptionKeys { get; set; } = "";
}
