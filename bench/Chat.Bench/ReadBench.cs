using System.Globalization;
using System.Net;

namespace Chat.Bench;

/// <summary>
/// Measurements 5, 6 and 7 (reads): history pages in a chat of 1,000,000 messages, first pages over 1, 100 and
/// 10,000 chats, and search when the endpoint exists. wrk at 16 connections: enough to load the machine,
/// few enough that the latency is mostly service time rather than queueing.
/// </summary>
public static class ReadBench
{
    public static async Task RunAsync(Bench bench, Fixtures fx)
    {
        var s = bench.Settings;
        var history = $"/applications/{fx.HistoryToken}/chats";
        Task<WrkResult> Get(string prefix, int chats, string before) =>
            Wrk.RunAsync(s.ApiUrl, s.ReadConnections, s.ReadSeconds, "get", prefix, $"{chats}", before);

        Bench.Step("History reads in the chat of " + $"{s.HistoryMessages:N0} messages ...");
        await Get(history, 1, "none"); // warm-up
        var first = await Wrk.SeriesAsync(s.Runs, () => Get(history, 1, "none"));
        bench.Report.Add("5", $"history, first page (50 newest of {s.HistoryMessages:N0}), same page again and again (cached)", first);
        var deep = await Wrk.SeriesAsync(s.Runs, () => Get(history, 1, "1000"));
        bench.Report.Add("5", $"history, deep page (before=1000: {s.HistoryMessages - 1000:N0} messages back), same page (cached)", deep);

        var before = await bench.Db.BufferPoolAsync();
        var random = await Wrk.SeriesAsync(s.Runs, () => Get(history, 1, $"random:{s.HistoryMessages}"));
        var after = await bench.Db.BufferPoolAsync();
        var requests = random.Runs.Sum(r => r.Requests);
        var diskReads = (after.FromDisk - before.FromDisk) / (double)Math.Max(1, requests);
        bench.Report.Add("5", $"history, random deep page (before= anywhere in 1..{s.HistoryMessages:N0}; mostly pages not read before, " +
                        $"{diskReads.ToString("0.0", CultureInfo.InvariantCulture)} InnoDB reads from disk per request: uncached)", random);
        var cost = deep.P50Us / first.P50Us;
        bench.Report.Add(new Row("5", "deep page ÷ first page (p50): keyset, so a deep page costs the same", Report.Ratio(cost),
            Target: Report.Check(cost < 1.5, "≈ 1"), Load: deep.Load));

        var many = $"/applications/{fx.ManyToken}/chats";
        foreach (var chats in new[] { 1, 100, s.ManyChats })
        {
            Bench.Step($"History first pages over {chats:N0} chats ...");
            var series = await Wrk.SeriesAsync(s.Runs, () => Get(many, chats, "none"));
            bench.Report.Add("7", $"history first page, random chat of {chats:N0} ({s.MessagesPerChat} messages each" +
                            $"{(chats > 100 ? "; a chat's first read in a run misses the API's chat cache" : "")})", series);
        }

        await SearchAsync(bench, fx);
        bench.Processes.Sample("after the read runs");
    }

    /// <summary>Measurement 6: only when the search endpoint exists in this build; "n/a" otherwise.</summary>
    private static async Task SearchAsync(Bench bench, Fixtures fx)
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
        Task<WrkResult> Search(string prefix, string q) => Wrk.RunAsync(s.ApiUrl, 4, s.ReadSeconds, "search", prefix, "1", q);
        foreach (var (prefix, q, what) in new[]
                 {
                     (history, "needle", $"in {s.HistoryMessages:N0} messages, term in 1% of them (q=needle)"),
                     (history, "zqxj", $"in {s.HistoryMessages:N0} messages, term in none (q=zqxj: the whole chat is searched)"),
                     ($"/applications/{fx.ManyToken}/chats", "needle", $"in a chat of {s.MessagesPerChat} messages (q=needle)"),
                 })
        {
            await Search(prefix, q); // warm-up
            bench.Report.Add("6", $"search (database provider), 4 connections, {what}", await Wrk.SeriesAsync(s.Runs, () => Search(prefix, q)));
        }
    }
}
