using Chat.Contracts;
using System.Globalization;

namespace Chat.Bench;

/// <summary>
/// Measurement 7 (memory, long): resident memory of one API replica and of the worker after 1,000,000 messages through
/// that one process, against the same process after the first 100,000: a leak grows with the messages, a cache or a
/// pool does not. The API replica takes the load directly (not through nginx); the worker persists a backlog. A
/// garbage-collected process's RSS is a sawtooth (the first soak moved between 214 and 411 MiB with no trend), so each
/// side is the median of the samples taken while its tenth of the messages went through, not one sample.
/// </summary>
public static class SoakBench
{
    public static async Task RunAsync(Bench bench, Fixtures fx)
    {
        var s = bench.Settings;
        var tenth = s.SoakMessages / 10;
        await bench.Broker.WaitDrainedAsync();

        Bench.Step($"Soak: {s.SoakMessages:N0} messages through API replica 1 directly ...");
        var replica = "http://127.0.0.1:5001";
        var chats = $"/applications/{fx.ProductToken}/chats";
        var api = new List<(long Messages, double Rss)>();
        var (created, errors) = (0L, 0L);
        while (created < s.SoakMessages)
        {
            var run = await Wrk.RunAsync(replica, s.Connections, 10, "post", chats, "1");
            created += run.Requests - run.StatusErrors - run.SocketErrors;
            errors += run.StatusErrors + run.SocketErrors;
            api.Add((created, Rss("api1")));
            Bench.Step($"  {created:N0} created, api1 {api[^1].Rss:N0} MiB");
        }
        await bench.Broker.WaitDrainedAsync(TimeSpan.FromMinutes(10));

        Bench.Step($"Soak: the worker persists {s.SoakMessages:N0} queued messages, a tenth at a time ...");
        await bench.Processes.RestartAsync("worker"); // counted from its start
        var (number, row) = fx.DrainChats[^1];
        var worker = new List<(long Messages, double Rss)>();
        for (var first = 1; first <= s.SoakMessages; first += tenth)
        {
            await bench.Broker.PrefillAsync(fx.DrainApp, number, tenth, first);
            await bench.Broker.WaitDrainedAsync(TimeSpan.FromMinutes(10));
            await WaitRowsAsync(bench, row, first + tenth - 1);
            worker.Add((first + tenth - 1, Rss("worker")));
            Bench.Step($"  {first + tenth - 1:N0} persisted, worker {worker[^1].Rss:N0} MiB");
        }

        Add(bench, $"memory of one API replica after {created:N0} messages created through it" + (errors > 0 ? $" ({errors:N0} errors)" : ""),
            api, tenth, s.SoakMessages);
        Add(bench, $"memory of the worker after persisting {s.SoakMessages:N0} messages since it started", worker, tenth, s.SoakMessages);
        return;

        double Rss(string name) => bench.Processes.Memory(name)?.Rss ?? double.NaN;
    }

    /// <summary>Median RSS of the last tenth's samples ÷ median of the second tenth's (the first holds the warm-up).</summary>
    private static void Add(Bench bench, string what, List<(long Messages, double Rss)> samples, int tenth, int total)
    {
        double Median(long from, long to)
        {
            var window = samples.Where(x => x.Messages > from && x.Messages <= to).Select(x => x.Rss).Order().ToList();
            return window.Count == 0 ? double.NaN : window[window.Count / 2];
        }
        var (early, late) = (Median(tenth, 2L * tenth), Median(total - tenth, long.MaxValue));
        var growth = late / early;
        var range = string.Create(CultureInfo.InvariantCulture, $"{samples.Min(x => x.Rss):N0}–{samples.Max(x => x.Rss):N0} MiB");
        bench.Report.Add(new Row("7", $"{what}: median RSS of the last {tenth:N0} ÷ of the second {tenth:N0} ({samples.Count} samples, {range})",
            string.Create(CultureInfo.InvariantCulture, $"{late:N0} MiB ÷ {early:N0} MiB = {growth:0.00}"),
            Target: Report.Check(growth <= 1.10, "≤ 1.10 (flat)"), Load: Report.LoadNow()));
    }

    /// <summary>Waits for the chat's first <paramref name="count"/> rows; if they do not come, says which are missing and
    /// what the dead-letter queue holds.</summary>
    private static async Task WaitRowsAsync(Bench bench, long chatRow, int count)
    {
        for (var deadline = DateTime.UtcNow.AddMinutes(5); await bench.Db.CountMessagesAsync(chatRow) < count; await Task.Delay(200))
        {
            if (DateTime.UtcNow <= deadline) continue;
            var missing = await bench.Db.ScalarAsync("""
                SELECT MIN(m.number + 1) FROM messages m LEFT JOIN messages n ON n.chat_id = m.chat_id AND n.number = m.number + 1
                WHERE m.chat_id = @chat AND n.number IS NULL
                """, ("@chat", chatRow));
            throw new TimeoutException($"fewer than {count:N0} rows after 5 minutes: {await bench.Db.CountMessagesAsync(chatRow):N0}, " +
                $"the first missing number {missing:N0}; {await bench.Broker.ReadyAsync(QueueNames.Dead):N0} commands dead-lettered");
        }
    }
}
