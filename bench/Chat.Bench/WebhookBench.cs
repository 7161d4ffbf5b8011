using System.Diagnostics;
using System.Net.Http.Json;

namespace Chat.Bench;

/// <summary>
/// Measurement 9 (docs/decisions/0016): message creation and persistence with one webhook registered (a fast local
/// receiver, bench server instance 1) against none, interleaved round by round in the same run. Delivery runs in the worker off
/// the persistence path; the target is that neither creation nor persistence slows by more than 10 %.
/// </summary>
public static class WebhookBench
{
    public static async Task RunAsync(Bench bench)
    {
        var s = bench.Settings;
        Bench.Step("Webhooks: creation and persistence with one webhook (fast local receiver) vs none ...");
        var receiver = new Receiver(bench.Api.Http, s.WebhookReceiverUrl);
        var plain = await AppAsync(bench, "bench no webhook");
        var hooked = await AppAsync(bench, "bench one webhook");
        using (var register = new HttpRequestMessage(HttpMethod.Post, $"/applications/{hooked.Token}/webhooks")
               {
                   Content = JsonContent.Create(new { url = s.WebhookReceiverUrl, events = new[] { "*" } }, options: Api.Json),
               })
        {
            register.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", hooked.Secret);
            using var response = await bench.Api.Http.SendAsync(register);
            response.EnsureSuccessStatusCode();
        }
        Task<WrkResult> Post(Api.Application app) => Wrk.RunAsync(s.ApiUrl, s.Connections, s.WriteSeconds, "post", $"/applications/{app.Token}/chats", "1");

        await Post(plain);
        await bench.Broker.WaitDrainedAsync();
        await Post(hooked);
        await bench.Broker.WaitDrainedAsync();

        var load = Report.LoadNow();
        var (none, one) = (new List<WrkResult>(), new List<WrkResult>());
        var (persistNone, persistOne, catchUp) = (new List<double>(), new List<double>(), new List<double>());
        var (noneCpu, oneCpu) = (new CpuTally(), new CpuTally());
        for (var round = 0; round < s.Runs; round++)
        {
            var (result, rate) = await noneCpu.MeasureAsync(bench.Cpu, () => MeasureAsync(bench, plain, Post), m => m.Result.Requests);
            none.Add(result);
            persistNone.Add(rate);
            var delivered = await receiver.CountAsync();
            var clock = new Stopwatch();
            (result, rate) = await oneCpu.MeasureAsync(bench.Cpu, async () =>
            {
                var measured = await MeasureAsync(bench, hooked, Post);
                // Every message created in the round, delivered: how long after the load ended.
                clock.Start();
                var created = measured.Result.Requests - measured.Result.StatusErrors;
                while (await receiver.CountAsync() < delivered + created && clock.Elapsed < TimeSpan.FromMinutes(2)) await Task.Delay(100);
                return measured;
            }, m => m.Result.Requests);
            one.Add(result);
            persistOne.Add(rate);
            catchUp.Add(clock.Elapsed.TotalSeconds);
        }
        bench.Report.Add("9", "create message, 1 chat, no webhook (product)", new WrkSeries(none, load));
        bench.Report.Add("9", "create message, 1 chat, one webhook registered (product)", new WrkSeries(one, load));
        bench.Report.AddPaired("9", "one webhook ÷ none, message creation", one, none, 0.9, "≥ 0.90", load);
        var persistRatios = persistOne.Zip(persistNone, (o, n) => o / n).ToList();
        var persistRatio = Stats.Median(persistRatios);
        bench.Report.Add(new Row("9", $"one webhook ÷ none, messages persisted per second over load + catch-up (median{CreationBench.Spread(persistRatios)}; " +
                                      $"{Report.Rate(Stats.Median(persistNone))} vs {Report.Rate(Stats.Median(persistOne))})",
            Report.Ratio(persistRatio), Target: Report.Check(persistRatio >= 0.9, "≥ 0.90"), Load: load));
        bench.Report.AddCpuCost("9", "one webhook ÷ none, in CPU (creation, persistence and every delivery; not the receiver's)", oneCpu, noneCpu, 0.9,
            "≥ 0.90", load);
        bench.Report.Extra("Where the CPU goes with one webhook registered (CPU milliseconds per created message, all runs, until every " +
                           "message of a run was persisted and delivered; the receiver is bench server 1):",
            CpuTally.Table(("no webhook", noneCpu), ("one webhook", oneCpu)));
        var received = await receiver.CountAsync();
        bench.Report.Add(new Row("9", $"webhook deliveries: {received:N0} received; every message of a round delivered " +
                                      $"{Stats.Median(catchUp):0.0} s (median) after its load ended", $"{received:N0}", Load: load));
    }

    private static async Task<Api.Application> AppAsync(Bench bench, string name)
    {
        var app = await bench.Api.CreateApplicationAsync(name, "open");
        await bench.Api.CreateChatAsync(app.Token);
        return app;
    }

    /// <summary>One wrk run, then until the chat's rows stop growing with the queue empty: messages persisted per second.</summary>
    private static async Task<(WrkResult Result, double PersistedPerSecond)> MeasureAsync(Bench bench, Api.Application app,
        Func<Api.Application, Task<WrkResult>> post)
    {
        var row = await bench.Db.WaitForChatRowAsync(await bench.Db.ApplicationIdAsync(app.Token), 1);
        var before = await bench.Db.CountMessagesAsync(row);
        var clock = Stopwatch.StartNew();
        var result = await post(app);
        var created = result.Requests - result.StatusErrors;
        while (await bench.Db.CountMessagesAsync(row) - before < created && clock.Elapsed < TimeSpan.FromMinutes(3)) await Task.Delay(50);
        var persisted = await bench.Db.CountMessagesAsync(row) - before;
        return (result, persisted / clock.Elapsed.TotalSeconds);
    }

    /// <summary>The receiver of one bench server instance (bench/Chat.Bench.Server, its own port, not through nginx).</summary>
    private sealed class Receiver(HttpClient http, string url)
    {
        public async Task<long> CountAsync() => long.Parse(await http.GetStringAsync(url + "/received"));
    }
}
