using System.Collections.Concurrent;
using System.Net;
using Chat.Tests.Infrastructure;
using Chat.Tests.Webhooks;

namespace Chat.Tests.Telemetry;

/// <summary>
/// With <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> set (and the other standard <c>OTEL_*</c> keys), a process also exports its
/// traces by OTLP. A local listener stands in for the collector (OTLP over HTTP/protobuf).
/// </summary>
public sealed class OtlpExportTests
{
    [Test]
    public async Task AnApiWithAnOtlpEndpointExportsItsTracesThere()
    {
        var port = WebhookReceiver.FreePort();
        using var collector = new HttpListener { Prefixes = { $"http://127.0.0.1:{port}/" } };
        collector.Start();
        var received = new ConcurrentQueue<(string Path, string? ContentType)>();
        _ = Task.Run(async () =>
        {
            while (collector.IsListening)
            {
                var context = await collector.GetContextAsync();
                received.Enqueue((context.Request.Url!.AbsolutePath, context.Request.ContentType));
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        });

        await using var api = new ApiFactory(new Dictionary<string, string?>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = $"http://127.0.0.1:{port}",
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200", // the span batch goes out within 0.2 s instead of 5
        });
        await api.CreateClient().CreateApplicationAsync();

        Assert.That(await Eventually.HoldsAsync(() => Task.FromResult(received.Any(r => r.Path == "/v1/traces")), TimeSpan.FromSeconds(15)),
            $"a trace export reached the collector; it saw: {string.Join(", ", received.Select(r => r.Path))}");
        Assert.That(received.First(r => r.Path == "/v1/traces").ContentType, Is.EqualTo("application/x-protobuf"));
    }
}
