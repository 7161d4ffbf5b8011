using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Chat.Tests.Search;

/// <summary>
/// Stands in for Elasticsearch, which cannot run on this machine: listens on 127.0.0.1 with an ephemeral port,
/// records every request as it reached the wire (gzip bodies unpacked) and answers with the scripted responses in
/// order. Answers carry <c>X-Elastic-Product: Elasticsearch</c>, as the official client's product check requires,
/// unless a response says otherwise.
/// </summary>
public sealed class RecordingHttpListener : IDisposable
{
    // Not a status Elasticsearch uses, and not transient, so a missing script fails the test at once.
    private static readonly Scripted Unscripted = new(418,
        """{"error":{"type":"unscripted_request","reason":"the test scripted no response for this request"},"status":418}""");

    private readonly HttpListener _listener = new();
    private readonly Queue<Scripted> _responses = new();
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

    /// <param name="product">False: without the header that tells the client it talks to Elasticsearch.</param>
    /// <param name="delay">How long to wait before answering (a hung cluster).</param>
    public void Respond(int status, string body, string contentType = "application/json", bool product = true, TimeSpan delay = default)
    {
        lock (_gate)
        {
            _responses.Enqueue(new Scripted(status, body, contentType, product, delay));
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

            try
            {
                await AnswerAsync(context);
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or IOException)
            {
                // The client gave up (its timeout) before the answer was written.
            }
        }
    }

    private async Task AnswerAsync(HttpListenerContext context)
    {
        var request = await RecordAsync(context.Request);
        Scripted? scripted;
        lock (_gate)
        {
            _requests.Add(request);
            scripted = _responses.TryDequeue(out var next) ? next : null;
        }
        var answer = scripted ?? (Fallback?.Invoke(request) is { } fallback ? new Scripted(fallback.Status, fallback.Body) : Unscripted);

        if (answer.Delay > TimeSpan.Zero) await Task.Delay(answer.Delay);
        var bytes = Encoding.UTF8.GetBytes(answer.Body);
        context.Response.StatusCode = answer.Status;
        context.Response.ContentType = answer.ContentType;
        if (answer.Product) context.Response.Headers["X-Elastic-Product"] = "Elasticsearch";
        context.Response.ContentLength64 = bytes.Length;
        await context.Response.OutputStream.WriteAsync(bytes);
        context.Response.Close();
    }

    private static async Task<RecordedRequest> RecordAsync(HttpListenerRequest request)
    {
        var encoding = request.Headers["Content-Encoding"];
        Stream body = request.InputStream;
        if (encoding == "gzip") body = new GZipStream(body, CompressionMode.Decompress);
        using var reader = new StreamReader(body, Encoding.UTF8);
        return new RecordedRequest(
            request.HttpMethod, request.RawUrl ?? "", request.ContentType, encoding, request.Headers["Accept"],
            await reader.ReadToEndAsync(), DateTimeOffset.UtcNow);
    }

    private sealed record Scripted(int Status, string Body, string ContentType = "application/json", bool Product = true, TimeSpan Delay = default);
}

/// <summary>A request as it reached the wire: path and query are raw (still percent-encoded), the body unpacked.</summary>
public sealed record RecordedRequest(
    string Method, string PathAndQuery, string? ContentType, string? ContentEncoding, string? Accept, string Body, DateTimeOffset ReceivedAt)
{
    /// <summary>The path with percent-escapes decoded, as Elasticsearch reads it (the client writes <c>*</c> as <c>%2A</c>).</summary>
    public string DecodedPath => Uri.UnescapeDataString(PathAndQuery);

    /// <summary>NDJSON lines (bulk), without the final empty one.</summary>
    public string[] Lines => Body.TrimEnd('\n').Split('\n');
}
