using Chat.Contracts;
using System.Diagnostics;

namespace Chat.Bench;

/// <summary>
/// Measurement 3: how fast the worker persists a backlog. The worker is stopped, chat.commands is pre-filled with
/// the API's own command JSON, the worker is started, and rows are counted until all are there. Interleaved with
/// the raw ceiling: the same number of rows in multi-row INSERTs of the worker's batch size, one connection.
/// </summary>
public static class DrainBench
{
    public static async Task RunAsync(Bench bench, Fixtures fx)
    {
        var s = bench.Settings;
        Bench.Step($"Worker drain of {s.DrainMessages:N0} queued commands vs raw INSERTs, {s.DrainRuns} runs ...");
        var load = Report.LoadNow();
        var drains = new List<(double Rate, double Total, double Publish)>();
        var raws = new List<double>();
        var chats = new Queue<(int Number, long Row)>(fx.DrainChats);
        var drainCpu = new CpuTally();
        var rawCpu = new CpuTally();
        await bench.Broker.WaitDrainedAsync();
        for (var run = 0; run < Math.Max(s.DrainRuns, s.Runs); run++)
        {
            if (run < s.Runs)
            {
                var raw = chats.Dequeue();
                raws.Add(s.DrainMessages / await rawCpu.MeasureAsync(bench.Cpu, () => bench.Db.RawInsertAsync(raw.Row, s.DrainMessages), _ => s.DrainMessages));
            }
            if (run < s.DrainRuns) drains.Add(await OneDrainAsync(bench, fx.DrainApp, chats.Dequeue(), drainCpu));
        }
        var rate = Stats.Median(drains.Select(d => d.Rate));
        var ceiling = Stats.Median(raws);
        bench.Report.Add(new Row("3", $"worker drain: {s.DrainMessages:N0} queued message commands → rows " +
                                      $"(start to last row {Stats.Median(drains.Select(d => d.Total)):0.0} s; pre-fill published at " +
                                      $"{Report.Rate(Stats.Median(drains.Select(d => s.DrainMessages / d.Publish)))})",
            $"{Report.Rate(rate, " msg/s")} ({Report.Rate(drains.Min(d => d.Rate), "")}–{Report.Rate(drains.Max(d => d.Rate), "")})",
            Target: Report.Check(rate >= 10_000, "≥ 10,000 msg/s"), Load: load));
        bench.Report.Add(new Row("3", "raw ceiling: multi-row INSERT, 500 rows per statement and transaction, one connection",
            $"{Report.Rate(ceiling, " rows/s")} ({Report.Rate(raws.Min(), "")}–{Report.Rate(raws.Max(), "")})", Load: load));
        // Paired like the creation ratio: each drain against the raw run just before it.
        var ratios = drains.Zip(raws, (d, r) => d.Rate / r).ToList();
        var ratio = Stats.Median(ratios);
        bench.Report.Add(new Row("3", $"worker drain ÷ raw ceiling (median of the runs' ratios{CreationBench.Spread(ratios)})", Report.Ratio(ratio),
            Target: Report.Check(ratio >= 0.5, "≥ 0.50"), Load: load));
        bench.Report.Extra("Where the CPU goes while persisting (CPU milliseconds per message; the bench driver runs the raw INSERTs " +
                           "and polls the row count):", CpuTally.Table(("worker drain", drainCpu), ("raw INSERT ceiling", rawCpu)));
    }

    private static async Task<(double Rate, double Total, double Publish)> OneDrainAsync(Bench bench, long app, (int Number, long Row) chat,
        CpuTally cpu)
    {
        var s = bench.Settings;
        await bench.Processes.StopWorkerAsync();
        var publish = await bench.Broker.PrefillAsync(app, chat.Number, s.DrainMessages);
        var clock = Stopwatch.StartNew();
        await bench.Processes.StartWorkerAsync();
        // Cheap polls only, so the measurement does not compete with the worker for MySQL: the first row's
        // arrival, then the broker's queue depth, and COUNT(*) only for the last few batches.
        while (!await bench.Db.AnyMessageAsync(chat.Row))
        {
            if (clock.Elapsed > TimeSpan.FromMinutes(1)) throw new TimeoutException("the worker wrote nothing within a minute");
            await Task.Delay(20);
        }
        var firstAt = clock.Elapsed;
        // From the first rows on, like the rate: the worker's start-up (JIT, connections) is not counted.
        var firstCount = await cpu.MeasureAsync(bench.Cpu, async () =>
        {
            var first = await bench.Db.CountMessagesAsync(chat.Row);
            while (await bench.Broker.ReadyAsync(QueueNames.Commands) > 0) await Task.Delay(100);
            while (true)
            {
                var count = await bench.Db.CountMessagesAsync(chat.Row);
                if (count >= s.DrainMessages) break;
                if (clock.Elapsed > TimeSpan.FromMinutes(3)) throw new TimeoutException($"only {count:N0} of {s.DrainMessages:N0} rows after 3 minutes");
                await Task.Delay(20);
            }
            return first;
        }, first => s.DrainMessages - first);
        var total = clock.Elapsed;
        bench.Processes.Sample($"worker restarted, {s.DrainMessages:N0} queued commands persisted");
        // From the first row seen to the last: the worker's start-up (process, JIT, connections) is reported apart.
        var rate = (s.DrainMessages - firstCount) / (total - firstAt).TotalSeconds;
        Bench.Step($"  drained {s.DrainMessages:N0} in {total.TotalSeconds:0.0} s ({rate:N0} msg/s after the first rows); pre-fill took {publish:0.0} s");
        return (rate, total.TotalSeconds, publish);
    }
}
