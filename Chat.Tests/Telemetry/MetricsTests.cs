using System.Net;
using System.Net.Sockets;
using Chat.Tests.Infrastructure;
using Chat.Tests.Webhooks;

namespace Chat.Tests.Telemetry;

/// <summary>Each process serves its metrics for Prometheus on its own internal port.</summary>
public sealed class MetricsTests
{
    [Test]
    public async Task ScrapeEndpointsExposeRequestLagBatchCacheQueueOutboxAndWebhookSeries()
    {
        var (apiPort, workerPort) = (FreePort(), FreePort());
        await using var worker = await WorkerHost.StartAsync(new Dictionary<string, string?> { ["Telemetry:PrometheusPort"] = $"{workerPort}" });
        await using var api = new ApiFactory(new Dictionary<string, string?> { ["Telemetry:PrometheusPort"] = $"{apiPort}" });
        var client = api.CreateClient();
        var hooks = await WebhookApp.CreateAsync(client);
        await using var receiver = await WebhookReceiver.StartAsync();
        await hooks.RegisterAsync(receiver, "message.created");
        var token = hooks.Token;
        var chat = await client.CreateChatAsync(token, new { });
        await client.PostMessageAsync(token, chat, "measured");
        await client.GetOkAsync($"/applications/{token}/chats/{chat}");
        Assert.That(await WorkerHost.WaitForMessagesAsync(token, 1), Is.EqualTo(1));

        using var scraper = new HttpClient();
        var apiSeries = await ScrapeUntilAsync(scraper, apiPort, "http_server_request_duration_seconds", "chat_cache_");
        Assert.That(apiSeries, Does.Contain("http_server_request_duration_seconds_bucket"), "requests");
        var workerSeries = await ScrapeUntilAsync(scraper, workerPort, "chat_persist_lag_seconds", "chat_worker_batch_size");
        Assert.That(workerSeries, Does.Contain("chat_persist_lag_seconds_bucket"), "accept-to-persist lag histogram");
        Assert.That(workerSeries, Does.Contain("chat_worker_batch_size"), "batch sizes");
        workerSeries = await ScrapeUntilAsync(scraper, workerPort, "chat_queue_depth", "chat_outbox_size");
        Assert.That(workerSeries, Does.Contain("queue=\"chat.commands\""), "queue depths");
        workerSeries = await ScrapeUntilAsync(scraper, workerPort, "chat_webhooks_deliveries_total");
        Assert.That(workerSeries, Does.Contain("outcome=\"delivered\""), "webhook outcomes");
    }

    /// <summary>Metrics are collected on scrape; the worker records after its batch commits, so poll a little.</summary>
    private static async Task<string> ScrapeUntilAsync(HttpClient scraper, int port, params string[] series)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string text;
        do
        {
            using var response = await scraper.GetAsync($"http://localhost:{port}/metrics");
            Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
            text = await response.Content.ReadAsStringAsync();
            if (series.All(text.Contains)) return text;
            await Task.Delay(250);
        } while (DateTime.UtcNow < deadline);
        Assert.Fail($"series {string.Join(", ", series.Where(s => !text.Contains(s)))} missing from :{port}/metrics:\n{text[..Math.Min(3000, text.Length)]}");
        return text;
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
