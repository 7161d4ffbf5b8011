namespace Chat.Contracts;

/// <summary>The durable names of numbering scopes in <c>number_blocks</c> (docs/decisions/0003, 0015).</summary>
public static class NumberScopes
{
    public static string Chats(long applicationId) => $"chats:{applicationId}";
    public static string Messages(long applicationId, int chatNumber) => $"messages:{applicationId}:{chatNumber}";
    public static string Feed(long applicationId) => $"feed:{applicationId}";
    public static bool IsFeed(string scope) => scope.StartsWith("feed:", StringComparison.Ordinal);
}
