using Chat.Domain.Data;
using Microsoft.EntityFrameworkCore;

namespace Chat.Domain.Search;

/// <summary>
/// Search without Elasticsearch: one chat's rows, newest first, filtered with <c>LIKE</c>. The scan walks the
/// chat's primary-key range until it has a page, so its cost grows with the chat's history, not the table's.
/// </summary>
public sealed class DatabaseMessageSearch(IDbContextFactory<ChatDbContext> db) : IMessageSearch
{
    public async Task<SearchPage> FindAsync(SearchScope scope, string query, int limit, int? before, CancellationToken ct)
    {
        var pattern = $"%{EscapeLike(query.ToLowerInvariant())}%";
        var below = before ?? int.MaxValue;
        await using var context = await db.CreateDbContextAsync(ct);
        // LOWER(body) under a binary collation rather than the column's utf8mb4_unicode_ci: that collation also
        // ignores accents ("cafe" would find "café") and some characters entirely, which the Elasticsearch
        // provider and the match offsets do not (docs/decisions/0006).
        var rows = await context.Messages
            .Where(m => m.ChatId == scope.ChatRowId && m.Number < below && m.DeletedAt == null)
            .Where(m => EF.Functions.Like(EF.Functions.Collate(m.Body.ToLower(), "utf8mb4_bin"), pattern, @"\"))
            .OrderByDescending(m => m.Number)
            .Take(limit + 1)
            .ToListAsync(ct);
        return new SearchPage(rows, rows.Count > limit ? rows[^1].Number : null);
    }

    /// <summary>Every character of the query literal: the escape character first, then LIKE's wildcards.</summary>
    public static string EscapeLike(string text) => text
        .Replace(@"\", @"\\", StringComparison.Ordinal)
        .Replace("%", @"\%", StringComparison.Ordinal)
        .Replace("_", @"\_", StringComparison.Ordinal);
}
