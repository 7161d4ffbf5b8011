namespace Chat.Bench;

/// <summary>
/// What tracing and metrics cost (issue 21's target: under 5 %): message creation through nginx with the API replicas
/// and the worker as scripts/dev-up starts them (telemetry on) against the same processes restarted with
/// <c>Telemetry__Enabled=false</c>, interleaved round by round so that background load hits both sides alike.
/// </summary>
public static class TelemetryBench
{
    public static async Task RunAsync(Bench bench, Fixtures fx)
    {
        var s = bench.Settings;
        var chats = $"/applications/{fx.ProductToken}/chats";
        Task<WrkResult> Create(int seconds) => Wrk.RunAsync(s.ApiUrl, s.Connections, seconds, "post", chats, "1");

        Bench.Step($"Creation with telemetry on and off; {s.Runs} rounds of {s.WriteSeconds} s each ...");
        var load = Report.LoadNow();
        var on = new List<WrkResult>();
        var off = new List<WrkResult>();
        var (onCpu, offCpu) = (new CpuTally(), new CpuTally());
        // Both sides freshly restarted in every round: a process that has run for long has less left to compile.
        for (var round = 0; round < s.Runs; round++)
        {
            await RestartAsync(bench);
            on.Add(await MeasureAsync(bench, Create, onCpu));
            await RestartAsync(bench, ("Telemetry__Enabled", "false"));
            off.Add(await MeasureAsync(bench, Create, offCpu));
        }
        await RestartAsync(bench); // as deployed again
        bench.Report.Add("10", "create message, 1 chat, telemetry on (as deployed: spans and metrics recorded)", new WrkSeries(on, load));
        bench.Report.Add("10", "create message, 1 chat, telemetry off (Telemetry__Enabled=false, API replicas and worker)", new WrkSeries(off, load));
        bench.Report.AddPaired("10", "telemetry on ÷ off, message creation", on, off, 0.95, "≥ 0.95 (under 5 % cost)", load);
        bench.Report.AddCpuCost("10", "telemetry, in CPU", onCpu, offCpu, 0.95, "≥ 0.95 (under 5 % cost)", load);
    }

    /// <summary>A warm-up on the real path until the restarted processes run at a steady rate (<see cref="Wrk.WarmUpAsync"/>), then
    /// the measured run and its queue drained.</summary>
    private static async Task<WrkResult> MeasureAsync(Bench bench, Func<int, Task<WrkResult>> create, CpuTally cpu)
    {
        await Wrk.WarmUpAsync(create, () => bench.Broker.WaitDrainedAsync());
        return await cpu.MeasureAsync(bench.Cpu, async () =>
        {
            var result = await create(bench.Settings.WriteSeconds);
            await bench.Broker.WaitDrainedAsync();
            return result;
        });
    }

    /// <summary>The three API replicas and the worker restarted with <paramref name="environment"/> added, one at a time.</summary>
    private static async Task RestartAsync(Bench bench, params (string Name, string Value)[] environment)
    {
        await bench.Processes.RestartAsync("worker", environment);
        for (var replica = 1; replica <= 3; replica++)
        {
            await bench.Processes.RestartAsync($"api{replica}", environment);
            await bench.Api.WaitReadyAsync($"http://127.0.0.1:{5000 + replica}");
        }
    }
}
