using System.Diagnostics;
using System.Text.Json;

namespace Chat.Chaos;

/// <summary>
/// A client that follows one application's change feed through nginx for the whole run, as the README tells
/// integrators to: <c>GET …/events?after=</c>, then the page's <c>next</c>. Every entry it sees is one line of
/// feed.jsonl; the verdict compares them with the feed MySQL holds after the drain (promise 16).
/// </summary>
/// <param name="settle">How long the end of a feed must stay put before it counts as the end: a position lost with Redis's
/// data holds the reader back until the API's gap timeout passed.</param>
public sealed class FeedFollower(HttpClient http, Stopwatch clock, StreamWriter log, TimeSpan settle)
{
    private const int PageSize = 200;

    /// <summary>One entry as the follower saw it; <c>Page</c> numbers its page in this follower's walk.</summary>
    public sealed record Seen(string App, long Seq, string Type, int Chat, int? Number, long Epoch, int Page, double T);

    /// <summary>Follows until <paramref name="done"/>, then until the feed stood still for <c>settle</c>: its end.</summary>
    public async Task FollowAsync(string app, Func<bool> done)
    {
        var next = $"/applications/{app}/events?after=0&limit={PageSize}";
        var page = 0;
        var movedAt = clock.Elapsed;
        while (true)
        {
            var (ok, items, nextUrl, epoch) = await ReadAsync(next);
            if (!ok)
            {
                await Task.Delay(500); // a fault: the same page again
                continue;
            }
            page++;
            lock (log)
                foreach (var item in items)
                    log.WriteLine(JsonSerializer.Serialize(new Seen(app, item.GetProperty("seq").GetInt64(), item.GetProperty("type").GetString()!,
                        item.GetProperty("chat").GetInt32(), item.TryGetProperty("number", out var n) ? n.GetInt32() : null, epoch, page,
                        Math.Round(clock.Elapsed.TotalSeconds, 3)), Record.Json));
            if (nextUrl != next) movedAt = clock.Elapsed;
            next = nextUrl;
            if (done() && clock.Elapsed - movedAt > settle) return;
            if (items.Count < PageSize) await Task.Delay(200);
        }
    }

    private async Task<(bool Ok, List<JsonElement> Items, string Next, long Epoch)> ReadAsync(string url)
    {
        try
        {
            using var response = await http.GetAsync(url);
            if (!response.IsSuccessStatusCode) return (false, [], url, 0);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            var root = json.RootElement;
            return (true, root.GetProperty("data").EnumerateArray().Select(e => e.Clone()).ToList(), root.GetProperty("next").GetString()!,
                root.GetProperty("epoch").GetInt64());
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or JsonException)
        {
            return (false, [], url, 0);
        }
    }
}
