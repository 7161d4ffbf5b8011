using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;

namespace Chat.Bench;

/// <summary>
/// Measurement 6 (search, the database provider that bench/run configures): the chat of 1,000,000 messages with a
/// term in 1 % of them and a term in none, on the first page and on pages anywhere in the chat (before= random),
/// a whole walk through the chat by <c>next</c> links for the term in none, and a small chat. wrk at 4 connections.
/// </summary>
public static class SearchBench
{
    public static async Task RunAsync(Bench bench, Fixtures fx)
    {
        var s = bench.Settings;
        var history = $"/applications/{fx.HistoryToken}/chats";
        var status = await bench.Api.StatusAsync($"{history}/1/messages/search?q=needle&limit=50");
        if (status != HttpStatusCode.OK)
        {
            bench.Report.Add(new Row("6", $"search (database provider): GET …/messages/search answers {(int)status} in this build", "n/a",
                Load: Report.LoadNow()));
            return;
        }

        Bench.Step("Search ...");
        var anywhere = $"random:{s.HistoryMessages}";
        Task<WrkResult> Search(string prefix, string q, string before) =>
            Wrk.RunAsync(s.ApiUrl, 4, s.ReadSeconds, "search", prefix, "1", q, before);
        foreach (var (prefix, q, before, what) in new[]
                 {
                     (history, "needle", "none", $"in {s.HistoryMessages:N0} messages, term in 1% of them (q=needle), first page"),
                     (history, "zqxj", "none", $"in {s.HistoryMessages:N0} messages, term in none (q=zqxj), first page"),
                     (history, "zqxj", anywhere, $"in {s.HistoryMessages:N0} messages, term in none, a page anywhere (before= random)"),
                     ($"/applications/{fx.ManyToken}/chats", "needle", "none", $"in a chat of {s.MessagesPerChat} messages (q=needle)"),
                 })
        {
            await Search(prefix, q, before); // warm-up
            bench.Report.Add("6", $"search (database provider), 4 connections, {what}", await Wrk.SeriesAsync(s.Runs, () => Search(prefix, q, before)));
        }

        await WalkAsync(bench, $"{history}/1/messages/search?q=zqxj&limit=50");
    }

    /// <summary>One client following <c>next</c> from the newest page to the last: what finding nothing costs in all.</summary>
    private static async Task WalkAsync(Bench bench, string first)
    {
        var load = Report.LoadNow();
        var pages = new List<double>();
        var total = Stopwatch.StartNew();
        for (var url = first; url is not null;)
        {
            var clock = Stopwatch.StartNew();
            using var response = await bench.Api.Http.GetAsync(url);
            response.EnsureSuccessStatusCode();
            pages.Add(clock.Elapsed.TotalMicroseconds);
            using var page = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            url = page.RootElement.GetProperty("next").GetString();
        }
        bench.Report.Add(new Row("6", "search (database provider), one client walking every page of the term in none by next links",
            $"{pages.Count.ToString("N0", CultureInfo.InvariantCulture)} pages in {total.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture)} s",
            Report.Ms(Stats.Median(pages)), Report.Ms(Stats.Percentile(pages, 99)), Load: load));
    }
}
