using System.Collections.Concurrent;
using System.Diagnostics;
using MySqlConnector;

namespace Chat.Bench;

/// <summary>
/// Measurement 4: accept → persisted lag at a steady (open-loop) rate. Each message's accept time is its
/// created_at, stamped by the API before it publishes; its persisted time is the start of the first MySQL poll
/// (every 10 ms) that sees its row, so the lag is an upper bound, at most one poll late.
/// </summary>
public static class LagBench
{
    private static readonly TimeSpan PollEvery = TimeSpan.FromMilliseconds(10);

    public static async Task RunAsync(Bench bench, Fixtures fx)
    {
        var s = bench.Settings;
        Bench.Step($"Lag at a steady {s.LagRate:N0} messages/s, {s.Runs} runs of {s.LagSeconds} s ...");
        var load = Report.LoadNow();
        var runs = new List<(double P50, double P99, double Max, double Rate, double AcceptP99, int Errors)>();
        for (var run = 0; run < s.Runs; run++)
        {
            var chat = await bench.Api.CreateChatAsync(fx.ProductToken);
            var chatRow = await bench.Db.WaitForChatRowAsync(fx.ProductApp, chat);
            await bench.Broker.WaitDrainedAsync();
            runs.Add(await OneRunAsync(bench, fx.ProductToken, chat, chatRow));
        }
        bench.Processes.Sample("after the lag runs");
        var rate = Stats.Median(runs.Select(r => r.Rate));
        var p99 = Stats.Median(runs.Select(r => r.P99));
        var errors = runs.Sum(r => r.Errors);
        bench.Report.Add(new Row("4", $"accept → persisted lag at a steady {s.LagRate:N0} messages/s (achieved {Report.Rate(rate)}" +
                                      $"{(errors > 0 ? $", {errors:N0} failed" : "")}; worst {Report.Ms(runs.Max(r => r.Max))})",
            "lag", Report.Ms(Stats.Median(runs.Select(r => r.P50))), Report.Ms(p99), Report.Check(p99 < 1_000_000, "p99 < 1 s"), load));
        bench.Report.Add(new Row("4", $"… the POSTs' own latency at that rate (201 received)", "latency", "",
            Report.Ms(Stats.Median(runs.Select(r => r.AcceptP99))), Load: load));
    }

    private static async Task<(double P50, double P99, double Max, double Rate, double AcceptP99, int Errors)> OneRunAsync(
        Bench bench, string token, int chat, long chatRow)
    {
        var s = bench.Settings;
        var accepted = new ConcurrentDictionary<int, DateTime>();
        var seen = new ConcurrentDictionary<int, DateTime>();
        var latencies = new ConcurrentBag<double>();
        var errors = 0;
        using var stop = new CancellationTokenSource();
        var poller = PollAsync(bench, chatRow, seen, stop.Token);

        var total = s.LagRate * s.LagSeconds;
        var sends = new List<Task>(total);
        var clock = Stopwatch.StartNew();
        using (var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(5)))
        {
            for (var sent = 0; sent < total;)
            {
                await timer.WaitForNextTickAsync();
                var due = Math.Min(total, (int)(clock.Elapsed.TotalSeconds * s.LagRate));
                for (; sent < due; sent++)
                {
                    sends.Add(Task.Run(async () =>
                    {
                        var started = Stopwatch.GetTimestamp();
                        try
                        {
                            var created = await bench.Api.PostMessageAsync(token, chat, "lag probe");
                            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMicroseconds);
                            accepted[created.Number] = created.CreatedAt;
                        }
                        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                        {
                            Interlocked.Increment(ref errors);
                        }
                    }));
                }
            }
        }
        await Task.WhenAll(sends);
        var rate = accepted.Count / clock.Elapsed.TotalSeconds;
        var deadline = Stopwatch.StartNew();
        while (accepted.Keys.Any(n => !seen.ContainsKey(n)) && deadline.Elapsed < TimeSpan.FromSeconds(60)) await Task.Delay(50);
        await stop.CancelAsync();
        await poller;

        var lags = accepted.Select(a => seen.TryGetValue(a.Key, out var at) ? (at - a.Value).TotalMicroseconds : double.PositiveInfinity).ToList();
        return (Stats.Percentile(lags, 50), Stats.Percentile(lags, 99), lags.Max(), rate, Stats.Percentile(latencies, 99), errors);
    }

    /// <summary>Records when each accepted number first shows up in MySQL.</summary>
    private static async Task PollAsync(Bench bench, long chatRow, ConcurrentDictionary<int, DateTime> seen, CancellationToken ct)
    {
        await using var connection = await bench.Db.OpenAsync();
        await using var command = new MySqlCommand("SELECT number FROM messages WHERE chat_id = @chat AND number >= @low", connection);
        command.Parameters.AddWithValue("@chat", chatRow);
        var low = command.Parameters.AddWithValue("@low", 1);
        var lowest = 1; // below it every number was seen; a number lost to a failed POST only makes the polls longer
        while (!ct.IsCancellationRequested)
        {
            var at = DateTime.UtcNow;
            while (seen.ContainsKey(lowest)) lowest++;
            low.Value = lowest;
            await using (var reader = await command.ExecuteReaderAsync(CancellationToken.None))
                while (await reader.ReadAsync(CancellationToken.None))
                    seen.TryAdd(reader.GetInt32(0), at);
            try { await Task.Delay(PollEvery, ct); }
            catch (OperationCanceledException) { }
        }
    }
}
