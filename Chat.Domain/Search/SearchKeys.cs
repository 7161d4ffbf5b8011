using System.Globalization;

namespace Chat.Domain.Search;

/// <summary>
/// How chats and applications are named in the search index. Internal ids, never shown to clients; no ','
/// because search routing is a comma-separated list.
/// </summary>
public static class SearchKeys
{
    public static string Chat(long applicationId, int chatNumber) =>
        string.Create(CultureInfo.InvariantCulture, $"{applicationId}-{chatNumber}");

    public static string Application(long applicationId) => applicationId.ToString(CultureInfo.InvariantCulture);
}
