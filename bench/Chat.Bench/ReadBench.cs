using System.Globalization;

namespace Chat.Bench;

/// <summary>
/// Measurements 5 and 7 (reads): history pages in a chat of 1,000,000 messages, a first page with reactions on every
/// message against one without, first pages over 1, 100 and 10,000 chats. wrk at 16 connections: enough to load the machine,
/// few enough that the latency is mostly service time rather than queueing.
/// </summary>
public static class ReadBench
{
    public static async Task RunAsync(Bench bench, Fixtures fx)
    {
        var s = bench.Settings;
        var history = $"/applications/{fx.HistoryToken}/chats";
        Task<WrkResult> Get(string prefix, int chats, string before, int? seconds = null) =>
            Wrk.RunAsync(s.ApiUrl, s.ReadConnections, seconds ?? s.ReadSeconds, "get", prefix, $"{chats}", before);

        Bench.Step("History reads in the chat of " + $"{s.HistoryMessages:N0} messages ...");
        // Run alone (BENCH_ONLY=reads) these are the first requests the processes serve.
        await Wrk.WarmUpAsync(seconds => Get(history, 1, "none", seconds));
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
        if (bench.Creation is { } creation)
        {
            var pageOverCreation = first.PerSecond / creation.PerSecond;
            bench.Report.Add(new Row("5", "history first page ÷ message creation (requests/s, this run)", Report.Ratio(pageOverCreation),
                Target: Report.Check(pageOverCreation >= 1.0, "≥ 1.0"), Load: first.Load));
        }
        var cost = deep.P50Us / first.P50Us;
        bench.Report.Add(new Row("5", "deep page ÷ first page (p50): keyset, so a deep page costs the same", Report.Ratio(cost),
            Target: Report.Check(cost < 1.5, "≈ 1"), Load: deep.Load));

        Bench.Step("History first pages with reactions on every message, and without ...");
        var plain = await Wrk.SeriesAsync(s.Runs, () => Get($"/applications/{fx.PlainPageToken}/chats", 1, "none"));
        var reacted = await Wrk.SeriesAsync(s.Runs, () => Get($"/applications/{fx.ReactedPageToken}/chats", 1, "none"));
        bench.Report.Add("5", $"history first page of a chat of {s.MessagesPerChat} messages, no reactions", plain);
        bench.Report.Add("5", $"the same with 2 reactions by 3 users on every message (counts and own reactions in every item)", reacted);
        var reactionsCost = reacted.PerSecond / plain.PerSecond;
        bench.Report.Add(new Row("5", "first page with reactions ÷ without (requests/s): one grouped read per page, not one per message",
            Report.Ratio(reactionsCost), Target: Report.Check(reactionsCost >= 0.8, "≥ 0.8"), Load: reacted.Load));

        if (fx.ProductToken.Length > 0)
        {
            // The product application's feed: every message the creation runs made, a page from anywhere in it.
            var last = await bench.Db.ScalarAsync("SELECT COALESCE(MAX(seq), 0) FROM feed WHERE application_id = @app", ("@app", fx.ProductApp));
            Bench.Step($"Change feed pages anywhere in {last:N0} positions ...");
            var events = await Wrk.SeriesAsync(s.Runs, () =>
                Wrk.RunAsync(s.ApiUrl, s.ReadConnections, s.ReadSeconds, "events", $"/applications/{fx.ProductToken}/events", $"{last}"));
            bench.Report.Add("5", $"change feed page (GET …/events?limit=50&after= anywhere in 0..{last:N0}; message entries of one chat)", events);
        }

        var many = $"/applications/{fx.ManyToken}/chats";
        foreach (var chats in new[] { 1, 100, s.ManyChats })
        {
            Bench.Step($"History first pages over {chats:N0} chats ...");
            var series = await Wrk.SeriesAsync(s.Runs, () => Get(many, chats, "none"));
            bench.Report.Add("7", $"history first page, random chat of {chats:N0} ({s.MessagesPerChat} messages each" +
                            $"{(chats > 100 ? "; a chat's first read in a run misses the API's chat cache" : "")})", series);
        }

        bench.Processes.Sample("after the read runs");
    }
}
