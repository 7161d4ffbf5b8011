using MySqlConnector;

namespace Chat.Bench;

/// <summary>What bench/run passes in the environment; BENCH_QUICK=1 shrinks everything for a smoke run.</summary>
public sealed record Settings(
    string ApiUrl, string BenchUrl, string WebhookReceiverUrl, string MySql, string RabbitMq, string RunDir, string? Output, bool Quick, IReadOnlySet<string> Phases)
{
    /// <summary>What a run measures unless BENCH_ONLY names phases; "soak" (about 25 minutes) runs only when named.</summary>
    public static readonly string[] AllPhases = ["creation", "lag", "reads", "search", "drain", "memory", "webhooks", "telemetry"];

    public bool Measures(string phase) => Phases.Contains(phase);

    public int Runs => Quick ? 1 : 3;
    public int WriteSeconds => Quick ? 3 : 8;
    public int ReadSeconds => Quick ? 3 : 5;
    public int Connections => 64;
    public int ReadConnections => 16;
    public int HistoryMessages => Quick ? 100_000 : 1_000_000;
    public int ManyChats => Quick ? 1_000 : 10_000;
    public int MessagesPerChat => 60;
    public int DrainMessages => int.TryParse(Environment.GetEnvironmentVariable("BENCH_DRAIN_MESSAGES"), out var n) ? n : Quick ? 20_000 : 200_000;
    public int DrainRuns => Quick ? 1 : 3;
    public int LagRate => 1_000;
    public int LagSeconds => Quick ? 4 : 10;
    public int SoakMessages => Quick ? 100_000 : 1_000_000;

    public static Settings FromEnvironment() => new(
        Environment.GetEnvironmentVariable("BENCH_API") ?? "http://127.0.0.1:8080",
        Environment.GetEnvironmentVariable("BENCH_SERVER") ?? "http://127.0.0.1:8081",
        // One bench server instance directly, so that its count is every delivery: POST /hooks, GET /hooks/received.
        Required("BENCH_RECEIVER"),
        // Guids as binary(16), as the product stores them.
        new MySqlConnectionStringBuilder(Required("ConnectionStrings__MySql")) { GuidFormat = MySqlGuidFormat.Binary16 }.ConnectionString,
        Required("ConnectionStrings__RabbitMq"),
        Required("BENCH_RUN_DIR"),
        Environment.GetEnvironmentVariable("BENCH_OUTPUT"),
        Environment.GetEnvironmentVariable("BENCH_QUICK") == "1",
        // BENCH_ONLY=drain,reads runs only those measurements (while working on one of them).
        (Environment.GetEnvironmentVariable("BENCH_ONLY") is { Length: > 0 } only ? only.Split(',') : AllPhases).ToHashSet());

    private static string Required(string name) =>
        Environment.GetEnvironmentVariable(name) is { Length: > 0 } value ? value : throw new InvalidOperationException($"{name} is not set");
}
