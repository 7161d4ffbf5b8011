using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using StandardWebhooks;

namespace Chat.Tests.Webhooks;

/// <summary>
/// One request the receiver got, with whether its signature verified with the StandardWebhooks library; <c>Attempt</c>
/// counts the earlier requests with the same webhook-id (0 the first time).
/// </summary>
public sealed record Received(string WebhookId, string Body, long Seq, string Type, int? Number, bool Verified, int Answered, int Attempt);

/// <summary>
/// A real HTTP receiver on loopback (Kestrel), as an integrator's backend would run it: it verifies each request with the
/// StandardWebhooks library and answers what <c>answer</c> says (a status, after an optional delay). An answer whose
/// sender went away during that delay (it gave up waiting, or it died) is not a delivery: the sender never heard it.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private string? _secret;

    public ConcurrentQueue<Received> Requests { get; } = new();
    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}/hooks";

    /// <summary>Decides each answer from the webhook-id and how many times that id was seen before (0 the first time).</summary>
    public Func<string, int, (int Status, TimeSpan Delay)> Answer { get; set; } = (_, _) => (200, TimeSpan.Zero);

    private readonly ConcurrentDictionary<string, int> _seen = new();
    private readonly ConcurrentDictionary<Received, bool> _unheard = new();

    private WebhookReceiver(WebApplication app, int port) => (_app, Port) = (app, port);

    /// <param name="port">0: any free port.</param>
    public static async Task<WebhookReceiver> StartAsync(int port = 0)
    {
        port = port == 0 ? FreePort() : port;
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app, port);
        app.MapPost("/hooks", (Delegate)receiver.HandleAsync);
        await app.StartAsync();
        return receiver;
    }

    /// <summary>The signing secret the registration returned: requests are verified against it.</summary>
    public void Trust(string secret) => _secret = secret;

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<IResult> HandleAsync(HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        var body = await reader.ReadToEndAsync();
        var id = http.Request.Headers["webhook-id"].ToString();
        var verified = false;
        try
        {
            new StandardWebhook(_secret!).Verify(body, http.Request.Headers);
            verified = true;
        }
        catch (Exception)
        {
            // recorded as not verified; the tests assert on it
        }
        var seen = _seen.AddOrUpdate(id, 0, (_, n) => n + 1);
        var (status, delay) = Answer(id, seen);
        using var json = JsonDocument.Parse(body);
        var root = json.RootElement;
        var received = new Received(id, body, root.GetProperty("seq").GetInt64(), root.GetProperty("type").GetString()!,
            root.TryGetProperty("number", out var n) ? n.GetInt32() : null, verified, status, seen);
        Requests.Enqueue(received);
        if (delay > TimeSpan.Zero)
        {
            try
            {
                await Task.Delay(delay, http.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                _unheard[received] = true; // it gave up waiting, or died: it never hears this answer
            }
        }
        return Results.StatusCode(status);
    }

    /// <summary>Requests whose sender went away before their delayed answer.</summary>
    public IReadOnlyList<Received> Unheard => [.. _unheard.Keys];

    /// <summary>The distinct events answered 2xx to a sender that was still there to hear it, by seq.</summary>
    public IReadOnlyDictionary<long, Received> Delivered() =>
        Requests.Where(r => r.Answered is >= 200 and < 300 && !_unheard.ContainsKey(r)).GroupBy(r => r.Seq).ToDictionary(g => g.Key, g => g.First());

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
