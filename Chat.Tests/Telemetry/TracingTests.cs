using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Telemetry;

/// <summary>One message's trace crosses both processes: the API's request, its publish, and the worker's commit.</summary>
public sealed class TracingTests
{
    [Test]
    public async Task OnePostedMessageProducesApiAndWorkerSpansOfOneTrace()
    {
        var finished = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Chat" or "Microsoft.AspNetCore" or "MySqlConnector",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = finished.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        await using var worker = await WorkerHost.StartAsync();
        await using var api = new ApiFactory();
        var client = api.CreateClient();
        var token = await client.CreateApplicationAsync();
        var chat = await client.CreateChatAsync(token, new { });

        var trace = ActivityTraceId.CreateRandom();
        using var post = new HttpRequestMessage(HttpMethod.Post, $"/applications/{token}/chats/{chat}/messages")
            { Content = JsonContent.Create(new { body = "traced" }) };
        post.Headers.Add("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
        await (await client.SendAsync(post)).ShouldBeAsync(HttpStatusCode.Created);

        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        Activity? persisted = null;
        while (DateTime.UtcNow < deadline && (persisted = finished.FirstOrDefault(a => a.TraceId == trace && a.OperationName == "persist command")) is null)
            await Task.Delay(100);

        var spans = finished.Where(a => a.TraceId == trace).ToList();
        var request = spans.SingleOrDefault(a => a.Source.Name == "Microsoft.AspNetCore" && a.Kind == ActivityKind.Server);
        var publish = spans.SingleOrDefault(a => a.Source.Name == "Chat" && a.Kind == ActivityKind.Producer);
        Assert.That(request, Is.Not.Null, "the API's request span continues the client's trace");
        Assert.That(publish, Is.Not.Null, "the publish to RabbitMQ is a span of the same trace");
        Assert.That(persisted, Is.Not.Null, "the worker's span for the command is in the same trace: " +
            string.Join(", ", spans.Select(s => $"{s.Source.Name}/{s.OperationName}")));
        // Its parent is the publish span: the context came through the message headers, not through the process.
        Assert.That(persisted!.ParentSpanId, Is.EqualTo(publish!.SpanId));
        Assert.That(publish.ParentSpanId, Is.Not.EqualTo(default(ActivitySpanId)), "the publish happens inside the request");

        // The batch that committed it links to its trace, and its MySQL statements are spans under the batch.
        var batch = finished.Single(a => a.OperationName == "persist batch" && a.Links.Any(l => l.Context.TraceId == trace));
        Assert.That(finished.Any(a => a.Source.Name == "MySqlConnector" && a.TraceId == batch.TraceId), "MySQL spans under the batch");
    }
}
