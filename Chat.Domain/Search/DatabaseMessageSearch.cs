using System.Globalization;
using Chat.Domain.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Chat.Domain.Search;

/// <summary>
/// Search without Elasticsearch: one chat's rows, newest first, filtered with <c>LIKE</c>. A page scans at most
/// <see cref="SearchOptions.ScanBudget"/> rows of the chat's primary-key range and ends there with a cursor, so
/// its cost does not grow with the chat: a rare word takes more pages, never a longer page (docs/decisions/0011).
/// </summary>
public sealed class DatabaseMessageSearch(IDbContextFactory<ChatDbContext> db, IOptions<SearchOptions> options) : IMessageSearch
{
    private readonly int _budget = options.Value.ScanBudget;
    private readonly string _sql = Statement(options.Value.StatementTimeout);

    public async Task<SearchPage> FindAsync(SearchScope scope, string query, int limit, int? before, CancellationToken ct)
    {
        await using var context = await db.CreateDbContextAsync(ct);
        // The window is (floor, below): numbers, not rows, so finding it costs one primary-key lookup at most.
        var below = before ?? (await context.Messages.Where(m => m.ChatId == scope.ChatRowId).MaxAsync(m => (int?)m.Number, ct) ?? 0) + 1;
        var floor = Math.Max(0, below - 1 - _budget);
        var pattern = $"%{EscapeLike(query.ToLowerInvariant())}%";
        var rows = await context.Messages.FromSqlRaw(_sql, scope.ChatRowId, floor, below, pattern, limit + 1).ToListAsync(ct);

        // More than a page, or the budget ended the scan above the chat's first message: known down to there.
        int? knownTo = rows.Count > limit ? rows[^1].Number : floor > 0 ? floor + 1 : null;
        return new SearchPage(rows, knownTo);
    }

    /// <summary>Every character of the query literal: the escape character first, then LIKE's wildcards.</summary>
    public static string EscapeLike(string text) => text
        .Replace(@"\", @"\\", StringComparison.Ordinal)
        .Replace("%", @"\%", StringComparison.Ordinal)
        .Replace("_", @"\_", StringComparison.Ordinal);

    /// <summary>
    /// LOWER(body) under a binary collation rather than the column's utf8mb4_unicode_ci: that collation also
    /// ignores accents ("cafe" would find "café") and some characters entirely, which the Elasticsearch provider
    /// and the match offsets do not (docs/decisions/0006). The statement timeout is written for both engines:
    /// MariaDB runs the <c>/*M! … */</c> part and ignores the hint, MySQL reads the hint and skips the comment.
    /// </summary>
    private static string Statement(TimeSpan timeout) =>
        $$"""
          /*M! SET STATEMENT max_statement_time = {{timeout.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)}} FOR */
          SELECT /*+ MAX_EXECUTION_TIME({{(long)Math.Ceiling(timeout.TotalMilliseconds)}}) */ *
          FROM messages
          WHERE chat_id = {0} AND number > {1} AND number < {2} AND deleted_at IS NULL
            AND LOWER(body) COLLATE utf8mb4_bin LIKE {3} ESCAPE '\\'
          ORDER BY number DESC
          LIMIT {4}
          """;
}
