using System.Globalization;

namespace Chat.Bench;

/// <summary>Measurement 7 (memory): resident memory of one API replica and of the worker at the end of the run.</summary>
public static class MemoryBench
{
    public static async Task RunAsync(Bench bench, Fixtures fx)
    {
        bench.Processes.Sample("end of the run");
        var table = new System.Text.StringBuilder("| when | API replica RSS (MiB) | worker RSS (MiB) |\n|---|---|---|\n");
        foreach (var (when, apiRss, workerRss) in bench.Processes.Samples)
            table.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {when} | {apiRss:N0} | {workerRss:N0} |"));
        bench.Report.Extra("Memory over the run (resident set of api1 and of the worker):", table.ToString());
        await bench.Broker.WaitDrainedAsync();
        var throughApi = await bench.Db.ScalarAsync(
            "SELECT COUNT(*) FROM messages m JOIN chats c ON c.id = m.chat_id WHERE c.application_id = @app", ("@app", fx.ProductApp));
        // The drain phase restarts the worker for each run; without it the worker ran all along.
        var drainRan = bench.Settings.Measures("drain");
        var drained = drainRan ? (long)bench.Settings.DrainMessages * bench.Settings.DrainRuns : 0;
        foreach (var (name, what) in new[]
                 {
                     ("api1", $"one API replica, after {throughApi:N0} messages created through the API (about a third of them on this replica)"),
                     ("worker", $"the worker, after persisting {throughApi + drained:N0} messages" + (drainRan
                         ? $" (restarted for each drain run: {bench.Settings.DrainMessages:N0} since its last start)"
                         : " since it started")),
                 })
        {
            var memory = bench.Processes.Memory(name);
            bench.Report.Add(new Row("7", $"memory of {what}",
                memory is { } m ? $"{m.Rss.ToString("N0", CultureInfo.InvariantCulture)} MiB RSS (peak {m.Peak.ToString("N0", CultureInfo.InvariantCulture)} MiB)" : "not running",
                Load: Report.LoadNow()));
        }
    }
}
