using Chat.Domain.Data;
using Chat.Domain.Search.Elasticsearch;
using Microsoft.EntityFrameworkCore;

namespace Chat.Domain.Search;

/// <summary>
/// Search through the Elasticsearch index, which says which messages matched; MySQL then says what they are now.
/// The index trails MySQL (the worker feeds it through its own queue), so a hit whose message was deleted or
/// edited since is dropped rather than shown stale, and the index never needs the sender.
/// </summary>
public sealed class ElasticsearchMessageSearch(MessageIndex index, IDbContextFactory<ChatDbContext> db) : IMessageSearch
{
    public async Task<SearchPage> FindAsync(SearchScope scope, string query, int limit, int? before, CancellationToken ct)
    {
        var found = await index.SearchAsync(SearchKeys.Chat(scope.ApplicationId, scope.ChatNumber), query, limit + 1, before, ct);
        if (found.Numbers.Count == 0) return new SearchPage([], null);

        // Distinct: while a reindex runs, the alias covers two indices and a message can be found in both.
        var numbers = found.Numbers.Distinct().ToList();
        await using var context = await db.CreateDbContextAsync(ct);
        var rows = await context.Messages
            .Where(m => m.ChatId == scope.ChatRowId && EF.Constant(numbers).Contains(m.Number) && m.DeletedAt == null)
            .ToListAsync(ct);
        var current = rows
            .Where(r => MatchOffsets.Find(r.Body, query).Any)
            .OrderByDescending(r => r.Number)
            .ToList();
        return new SearchPage(current, found.NextSearchAfter);
    }
}
