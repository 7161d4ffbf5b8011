using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Chat.Tests.Search;

/// <summary>
/// Stands in for Elasticsearch, which cannot run on this machine: listens on 127.0.0.1 with an ephemeral port,
/// records every request and answers with the scripted responses in order.
/// </summary>
public sealed class RecordingHttpListener : IDisposable
{
    // Not a status Elasticsearch uses, and not transient, so a missing script fails the test at once.
    private const string Unscripted = """{"error":{"type":"unscripted_request","reason":"the test scripted no response for this request"},"status":418}""";

    private readonly HttpListener _listener = new();
    private readonly Queue<(int Status, string Body)> _responses = new();
    private readonly List<RecordedRequest> _requests = [];
    private readonly Lock _gate = new();

    public RecordingHttpListener()
        : this(FreePort())
    {
    }

    /// <summary>Listens on a given port, e.g. one a client was already told about while nothing listened there.</summary>
    public RecordingHttpListener(int port)
    {
        BaseAddress = new Uri($"http://127.0.0.1:{port}/");
        _listener.Prefixes.Add(BaseAddress.ToString());
        _listener.Start();
        _ = Task.Run(ServeAsync);
    }

    public Uri BaseAddress { get; }

    /// <summary>Answers requests no scripted response is left for (instead of the 418); called one request at a time.</summary>
    public Func<RecordedRequest, (int Status, string Body)>? Fallback { get; set; }

    public IReadOnlyList<RecordedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <summary>An address where nothing listens, so connecting is refused.</summary>
    public static Uri UnusedAddress() => new($"http://127.0.0.1:{FreePort()}/");

    public void Respond(int status, string json)
    {
        lock (_gate)
        {
            _responses.Enqueue((status, json));
        }
    }

    public void Dispose() => _listener.Close();

    public static int FreePort()
    {
        var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        var port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        return port;
    }

    private async Task ServeAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // closed by Dispose
            }

            using var reader = new StreamReader(context.Request.InputStream, Encoding.UTF8);
            var body = await reader.ReadToEndAsync();
            var request = new RecordedRequest(
                context.Request.HttpMethod, context.Request.RawUrl ?? "", context.Request.ContentType, body, DateTimeOffset.UtcNow);
            (int Status, string Body)? scripted;
            lock (_gate)
            {
                _requests.Add(request);
                scripted = _responses.TryDequeue(out var next) ? next : null;
            }

            var answer = scripted ?? Fallback?.Invoke(request) ?? (418, Unscripted);

            var bytes = Encoding.UTF8.GetBytes(answer.Body);
            context.Response.StatusCode = answer.Status;
            context.Response.ContentType = "application/json";
            context.Response.ContentLength64 = bytes.Length;
            await context.Response.OutputStream.WriteAsync(bytes);
            context.Response.Close();
        }
    }
}

/// <summary>A request as it reached the wire: path and query are raw (still percent-encoded).</summary>
public sealed record RecordedRequest(
    string Method, string PathAndQuery, string? ContentType, string Body, DateTimeOffset ReceivedAt);
