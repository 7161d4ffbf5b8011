using Chat.Bench;

// The measurement half of bench/run (which starts and stops the processes): runs every measurement against the
// running system and prints one Markdown table; BENCH_OUTPUT names a file to write it to as well.
var settings = Settings.FromEnvironment();
var startLoad = Report.LoadNow();
using var api = new Api(settings);
await using var broker = new Broker(settings);
var bench = new Bench(settings, api, new Database(settings), broker, new Processes(settings), new Report(settings));

var fixtures = await Fixtures.CreateAsync(bench);
bench.Processes.Sample("start (data set up)");
if (settings.Measures("creation"))
{
    await CreationBench.RunAsync(bench, fixtures);
    await CredentialBench.RunAsync(bench, bench.CpuPerCreatedMessage);
}
if (settings.Measures("lag")) await LagBench.RunAsync(bench, fixtures);
if (settings.Measures("reads")) await ReadBench.RunAsync(bench, fixtures);
if (settings.Measures("search")) await SearchBench.RunAsync(bench, fixtures);
if (settings.Measures("drain")) await DrainBench.RunAsync(bench, fixtures);
if (settings.Measures("memory")) await MemoryBench.RunAsync(bench, fixtures);
if (settings.Measures("webhooks")) await WebhookBench.RunAsync(bench);
if (settings.Measures("telemetry")) await TelemetryBench.RunAsync(bench, fixtures);
if (settings.Measures("soak")) await SoakBench.RunAsync(bench, fixtures);

var table = bench.Report.Render(await Machine.DescribeAsync(startLoad));
Console.WriteLine();
Console.WriteLine(table);
if (settings.Output is { } output) await File.WriteAllTextAsync(output, table);
