using Chat.Tests.Infrastructure;

namespace Chat.Tests.Search;

/// <summary>Fills a persisted chat with messages straight in MySQL, as the worker would have left them: far faster than the API.</summary>
public static class GeneratedMessages
{
    /// <summary>
    /// Messages 1..<paramref name="count"/> of the chat, "Lorem ipsum … n"; every <paramref name="rareEvery"/>th
    /// (n divisible by it) also says " Zanzibar".
    /// </summary>
    public static Task InsertAsync(string token, int chat, int count, int rareEvery)
    {
        // As many digit tables as the count has digits: 1 + d0 + 10·d1 + 100·d2 + … covers 1..10^k.
        var digits = Enumerable.Range(0, Math.Max(1, (int)Math.Ceiling(Math.Log10(count)))).ToList();
        var n = string.Join(" + ", digits.Select(k => $"{(int)Math.Pow(10, k)} * d{k}.i"));
        var tables = string.Join(" CROSS JOIN ", digits.Select(k => Digits($"d{k}")));
        return Database.ScalarAsync<long>($"""
        INSERT INTO messages (chat_id, number, uid, body, created_at, updated_at)
        SELECT c.id, d.n, UNHEX(REPLACE(UUID(), '-', '')),
               CONCAT('Lorem ipsum dolor sit amet, consectetur adipiscing elit ', d.n, IF(d.n % {rareEvery} = 0, ' Zanzibar', '')),
               UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)
        FROM chats c
        JOIN (SELECT 1 + {n} AS n FROM {tables}) d ON d.n <= {count}
        WHERE c.application_id = (SELECT id FROM applications WHERE token = @t) AND c.number = {chat};
        SELECT 0
        """, ("@t", token));
    }

    private static string Digits(string alias) =>
        $"(SELECT 0 i UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3 UNION ALL SELECT 4 UNION ALL SELECT 5 UNION ALL SELECT 6 UNION ALL SELECT 7 UNION ALL SELECT 8 UNION ALL SELECT 9) {alias}";
}
