using System.Collections.Concurrent;
using System.Text.Json;
using MySqlConnector;

namespace Chat.Chaos;

/// <summary>
/// Honest unread counts (docs/decisions/0017): after the drain, the <c>unread_count</c> the API serves for every member
/// of every chat of the run, and each user's <c>total_unread</c>, equal a recount from MySQL — the live messages by others
/// after the member's <c>read_up_to</c> — though deletions, receipts and faults came in any order.
/// </summary>
public static class UnreadVerdict
{
    public static async Task<bool> ReportAsync(Table table, string api, string mysql, IReadOnlyDictionary<string, long> appIds)
    {
        var recount = await RecountAsync(mysql, appIds);
        using var http = new HttpClient { BaseAddress = new Uri(api), Timeout = TimeSpan.FromSeconds(30) };
        var served = new ConcurrentDictionary<(string App, int Chat, string User), int>();
        await Parallel.ForEachAsync(recount.Keys.Select(k => (k.App, k.Chat)).Distinct(), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (chat, ct) =>
            {
                using var page = JsonDocument.Parse(await http.GetStringAsync($"/applications/{chat.App}/chats/{chat.Chat}/members?limit=100", ct));
                foreach (var member in page.RootElement.GetProperty("data").EnumerateArray())
                    served[(chat.App, chat.Chat, member.GetProperty("user").GetString()!)] = member.GetProperty("unread_count").GetInt32();
            });
        var wrong = recount.Where(r => served.GetValueOrDefault(r.Key, -1) != r.Value)
            .Select(r => $"{r.Key.App[..6]}… chat {r.Key.Chat} {r.Key.User}: served {served.GetValueOrDefault(r.Key, -1)}, recount {r.Value}").ToList();
        table.Add("unread counts served = recount from MySQL", $"{recount.Count - wrong.Count} of {recount.Count}",
            $"members of every chat, {recount.Values.Sum()} unread in all" + (wrong.Count == 0 ? "" : $"; {string.Join("; ", wrong.Take(5))}"),
            wrong.Count == 0 ? "ok" : "FAIL");

        var totals = recount.GroupBy(r => (r.Key.App, r.Key.User)).ToDictionary(g => g.Key, g => g.Sum(r => r.Value));
        var wrongTotals = new ConcurrentBag<string>();
        await Parallel.ForEachAsync(totals, new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (total, ct) =>
        {
            using var answer = JsonDocument.Parse(await http.GetStringAsync($"/applications/{total.Key.App}/users/{total.Key.User}/unread", ct));
            var servedTotal = answer.RootElement.GetProperty("total_unread").GetInt32();
            if (servedTotal != total.Value) wrongTotals.Add($"{total.Key.App[..6]}… {total.Key.User}: served {servedTotal}, recount {total.Value}");
        });
        table.Add("  each user's total_unread", $"{totals.Count - wrongTotals.Count} of {totals.Count}", string.Join("; ", wrongTotals.Take(5)),
            wrongTotals.IsEmpty ? "ok" : "FAIL");
        return wrong.Count == 0 && wrongTotals.IsEmpty;
    }

    private static async Task<Dictionary<(string App, int Chat, string User), int>> RecountAsync(string mysql, IReadOnlyDictionary<string, long> appIds)
    {
        var tokenOf = appIds.ToDictionary(a => a.Value, a => a.Key);
        await using var connection = new MySqlConnection(mysql);
        await connection.OpenAsync();
        await using var command = new MySqlCommand($"""
            SELECT c.application_id, c.number, cm.user_id,
                   (SELECT COUNT(*) FROM messages m WHERE m.chat_id = c.id AND m.deleted_at IS NULL AND m.number > cm.read_up_to
                    AND NOT (m.sender <=> cm.user_id))
            FROM chat_members cm JOIN chats c ON c.id = cm.chat_id
            WHERE c.application_id IN ({string.Join(",", appIds.Values)}) AND c.deleted_at IS NULL AND cm.left_at IS NULL
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var counts = new Dictionary<(string, int, string), int>();
        while (await reader.ReadAsync())
            counts[(tokenOf[reader.GetInt64(0)], reader.GetInt32(1), reader.GetString(2))] = (int)reader.GetInt64(3);
        return counts;
    }
}
