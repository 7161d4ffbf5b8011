using Chat.Domain.Messages;

namespace Chat.Domain.Search;

/// <summary>Finds persisted messages of one chat whose body contains a text, ignoring case.</summary>
public interface IMessageSearch
{
    /// <summary>
    /// Up to <paramref name="limit"/> + 1 live messages numbered below <paramref name="before"/> (all when null),
    /// newest first, whose body contains <paramref name="query"/> as a substring, compared after
    /// <see cref="string.ToLowerInvariant()"/> on both sides, every character literal.
    /// </summary>
    Task<SearchPage> FindAsync(SearchScope scope, string query, int limit, int? before, CancellationToken ct);
}

/// <param name="ChatRowId">The persisted chat row (a chat that is only pending has no persisted messages to search).</param>
public sealed record SearchScope(long ApplicationId, int ChatNumber, long ChatRowId);

/// <param name="Messages">Matches, newest first, as they are in MySQL now.</param>
/// <param name="KnownTo">
/// When the source stopped before the end of the chat (it had more than the limit, or it used up its scan
/// budget): the last number it looked at. Below it nothing is known yet, so the page ends there (the keyset rule
/// of <c>KeysetMerge</c>).
/// </param>
public sealed record SearchPage(IReadOnlyList<MessageRow> Messages, int? KnownTo);
