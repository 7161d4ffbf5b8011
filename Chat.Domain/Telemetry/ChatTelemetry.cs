using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text;

namespace Chat.Domain.Telemetry;

/// <summary>
/// The project's own spans and metrics, shared by the API and the worker, and the W3C trace context carried in RabbitMQ
/// message headers, so one message's trace crosses both processes (docs/decisions/0018).
/// </summary>
public static class ChatTelemetry
{
    public const string Name = "Chat";
    public const string TraceParentHeader = "traceparent";
    public const string TraceStateHeader = "tracestate";
    /// <summary>Unix milliseconds of the first publish of a command: the start of its accept-to-persist lag.</summary>
    public const string AcceptedAtHeader = "x-accepted-at";

    public static readonly ActivitySource Source = new(Name);
    public static readonly Meter Meter = new(Name);

    /// <summary>Seconds from a write's acceptance by the API to its commit by the worker.</summary>
    public static readonly Histogram<double> PersistLag = Meter.CreateHistogram<double>("chat.persist.lag", "s",
        "Time from a write's acceptance (201) to its commit in MySQL");

    /// <summary>Commands per batch the worker commits.</summary>
    public static readonly Histogram<int> BatchSize = Meter.CreateHistogram<int>("chat.worker.batch.size", "{command}",
        "Commands in one batch of the worker");

    /// <summary>Webhook delivery attempts by outcome (delivered, retrying, failed).</summary>
    public static readonly Counter<long> WebhookOutcomes = Meter.CreateCounter<long>("chat.webhooks.deliveries", "{attempt}",
        "Webhook delivery attempts by outcome");

    /// <summary>
    /// Webhook deliveries that went through the <c>chat.webhooks</c> queue rather than straight out of the fan-out: their
    /// receiver was failing or its slots were busy. Near zero while receivers keep up.
    /// </summary>
    public static readonly Counter<long> WebhooksQueued = Meter.CreateCounter<long>("chat.webhooks.queued", "{delivery}",
        "Webhook deliveries queued because their receiver was failing or busy");

    /// <summary>The current span's context as message headers (nothing when no span is being recorded).</summary>
    public static IDictionary<string, object?>? WithTraceContext(IDictionary<string, object?>? headers)
    {
        if (Activity.Current is not { IdFormat: ActivityIdFormat.W3C } current) return headers;
        var copy = headers is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(headers);
        copy[TraceParentHeader] = current.Id;
        if (current.TraceStateString is { Length: > 0 } state) copy[TraceStateHeader] = state;
        return copy;
    }

    /// <summary>The sender's span context from message headers; default when there is none or it is malformed.</summary>
    public static ActivityContext TraceContextOf(IDictionary<string, object?>? headers)
    {
        if (headers is null || !headers.TryGetValue(TraceParentHeader, out var parent) || Text(parent) is not { } traceParent)
            return default;
        var state = headers.TryGetValue(TraceStateHeader, out var s) ? Text(s) : null;
        return ActivityContext.TryParse(traceParent, state, isRemote: true, out var context) ? context : default;
    }

    /// <summary>When the command was first published; null for one published before this header existed.</summary>
    public static DateTimeOffset? AcceptedAtOf(IDictionary<string, object?>? headers) =>
        headers is not null && headers.TryGetValue(AcceptedAtHeader, out var value) && value is long ms
            ? DateTimeOffset.FromUnixTimeMilliseconds(ms)
            : null;

    // The client hands string headers back as UTF-8 bytes.
    private static string? Text(object? value) => value switch
    {
        string text => text,
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        _ => null,
    };
}
