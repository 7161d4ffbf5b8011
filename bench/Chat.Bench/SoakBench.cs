using System.Globalization;

namespace Chat.Bench;

/// <summary>
/// Measurement 7 (memory, long): resident memory of one API replica and of the worker after 1,000,000 messages through
/// that one process, against the same process after the first 100,000: a leak grows with the messages, a cache or a
/// pool does not. The API replica takes the load directly (not through nginx); the worker persists a backlog.
/// </summary>
public static class SoakBench
{
    public static async Task RunAsync(Bench bench, Fixtures fx)
    {
        var s = bench.Settings;
        var early = s.SoakMessages / 10;
        await bench.Broker.WaitDrainedAsync();

        Bench.Step($"Soak: {s.SoakMessages:N0} messages through API replica 1 directly ...");
        var replica = "http://127.0.0.1:5001";
        var chats = $"/applications/{fx.ProductToken}/chats";
        var (apiEarly, created, errors) = (0.0, 0L, 0L);
        while (created < s.SoakMessages)
        {
            var run = await Wrk.RunAsync(replica, s.Connections, 30, "post", chats, "1");
            created += run.Requests - run.StatusErrors - run.SocketErrors;
            errors += run.StatusErrors + run.SocketErrors;
            if (apiEarly == 0 && created >= early) apiEarly = Rss("api1");
            Bench.Step($"  {created:N0} created, api1 {Rss("api1"):N0} MiB");
        }
        var apiLate = Rss("api1");
        await bench.Broker.WaitDrainedAsync(TimeSpan.FromMinutes(10));

        Bench.Step($"Soak: the worker persists {s.SoakMessages:N0} queued messages ...");
        await bench.Processes.RestartAsync("worker"); // counted from its start
        var (number, row) = fx.DrainChats[^1];
        await bench.Broker.PrefillAsync(fx.DrainApp, number, early);
        await bench.Broker.WaitDrainedAsync(TimeSpan.FromMinutes(10));
        await WaitRowsAsync(bench, row, early);
        var workerEarly = Rss("worker");
        await bench.Broker.PrefillAsync(fx.DrainApp, number, s.SoakMessages - early, first: early + 1);
        await bench.Broker.WaitDrainedAsync(TimeSpan.FromMinutes(10));
        await WaitRowsAsync(bench, row, s.SoakMessages);
        var workerLate = Rss("worker");

        Add(bench, $"memory of one API replica after {created:N0} messages created through it" + (errors > 0 ? $" ({errors:N0} errors)" : ""),
            apiLate, apiEarly, early);
        Add(bench, $"memory of the worker after persisting {s.SoakMessages:N0} messages since it started", workerLate, workerEarly, early);
        return;

        double Rss(string name) => bench.Processes.Memory(name)?.Rss ?? double.NaN;
    }

    private static void Add(Bench bench, string what, double late, double early, int earlyCount)
    {
        var growth = late / early;
        bench.Report.Add(new Row("7", $"{what}: RSS then ÷ RSS after {earlyCount:N0}",
            string.Create(CultureInfo.InvariantCulture, $"{late:N0} MiB ÷ {early:N0} MiB = {growth:0.00}"),
            Target: Report.Check(growth <= 1.10, "≤ 1.10 (flat)"), Load: Report.LoadNow()));
    }

    private static async Task WaitRowsAsync(Bench bench, long chatRow, int count)
    {
        for (var deadline = DateTime.UtcNow.AddMinutes(5); await bench.Db.CountMessagesAsync(chatRow) < count; await Task.Delay(200))
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"fewer than {count:N0} rows after 5 minutes");
    }
}
