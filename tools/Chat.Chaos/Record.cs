using System.Text.Json;

namespace Chat.Chaos;

/// <summary>
/// One request of the load, one JSON line in requests.jsonl. Outcome: <c>ok</c> (2xx), <c>failed</c> (an error
/// status or a refused connection: the client was told it did not work) or <c>indeterminate</c> (no answer in
/// time: it may or may not have happened). T is when it was sent, in seconds on the generator's clock, which starts
/// with its set-up requests, before the load and the faults' clock.
/// </summary>
public sealed record Record(long I, double T, string Op, string App, int Chat, int? Number, string? Body, int Status, string Outcome,
    double Ms, string? RetryAfter)
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public bool Ok => Outcome == "ok";
}
