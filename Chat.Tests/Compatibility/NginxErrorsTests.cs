using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Chat.Tests.Browser;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Compatibility;

/// <summary>
/// What nginx itself answers (nginx/chat.conf) speaks problem+json like the API: a raw non-ASCII byte in the URL, which
/// Kestrel refuses with an empty 400 before any of our code runs; a request line nginx cannot parse or that is too long;
/// an oversized header; and applications created too fast from one address (nginx's <c>limit_req</c>, before the
/// replicas' own limit). Sent as raw bytes, since an HTTP client would encode or refuse them first.
/// </summary>
public sealed class NginxErrorsTests
{
    private DemoSite _site = null!;

    [OneTimeSetUp]
    public async Task StartSite() => _site = await DemoSite.StartAsync();

    [OneTimeTearDown]
    public async Task StopSite() => await _site.DisposeAsync();

    [Test]
    public async Task ARawNonAsciiByteInTheUrlIsAProblemThatSaysToPercentEncodeIt()
    {
        var request = Encoding.Latin1.GetBytes("GET /applications/\u00fcber HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");

        var direct = await SendRawAsync(_site.FirstReplica, request);
        Assert.That((direct.Status, direct.Body), Is.EqualTo((400, "")), "the replica alone: an empty 400, why nginx answers it");

        var problem = await ShouldBeProblem(SendRawAsync(_site.Url, request), 400);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("percent-encode"));
    }

    [Test]
    public async Task ARequestLineNginxCannotParseIsAProblem() =>
        Assert.That((await ShouldBeProblem(SendRawAsync(_site.Url, "NOT A REQUEST\r\n\r\n"u8.ToArray()), 400)).GetProperty("title").GetString(),
            Is.EqualTo("Bad Request"));

    [Test]
    public async Task AnOverlongRequestLineAndAnOversizedHeaderAreProblems()
    {
        await ShouldBeProblem(SendRawAsync(_site.Url,
            Encoding.ASCII.GetBytes($"GET /applications?x={new string('q', 20_000)} HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")), 414);
        await ShouldBeProblem(SendRawAsync(_site.Url,
            Encoding.ASCII.GetBytes($"GET /applications HTTP/1.1\r\nHost: a\r\nX-Big: {new string('h', 20_000)}\r\nConnection: close\r\n\r\n")), 431);
    }

    [Test]
    public async Task ApplicationsCreatedTooFastFromOneAddressAreRefusedByNginxWithRetryAfter()
    {
        using var http = new HttpClient { BaseAddress = _site.Url };
        HttpResponseMessage? refused = null;
        // nginx: 10 a minute after a burst of 20. The two replicas behind it would each allow a burst of 20 themselves.
        for (var i = 0; i < 25 && refused is null; i++)
        {
            var response = await http.PostAsync("/applications", JsonContent.Create(new { name = $"fast {i}" }));
            if ((int)response.StatusCode == 429) refused = response;
        }
        Assert.That(refused, Is.Not.Null, "refused within 25 creations");
        var problem = await refused!.ShouldBeProblemAsync(System.Net.HttpStatusCode.TooManyRequests);
        Assert.That(problem.GetProperty("detail").GetString(), Does.Contain("from this address"));
        Assert.That(refused!.Headers.RetryAfter, Is.Not.Null);
        Assert.That(refused.Headers.Contains("X-Request-Id"), "nginx's refusals carry the request id too");
    }

    private sealed record RawResponse(int Status, string ContentType, string Body);

    private static async Task<JsonElement> ShouldBeProblem(Task<RawResponse> sent, int status)
    {
        var response = await sent;
        Assert.That((response.Status, response.ContentType), Is.EqualTo((status, "application/problem+json")), response.Body);
        var problem = JsonDocument.Parse(response.Body).RootElement;
        Assert.That(problem.GetProperty("status").GetInt32(), Is.EqualTo(status));
        return problem;
    }

    private static async Task<RawResponse> SendRawAsync(Uri server, byte[] request)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(server.Host, server.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(request);
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var text = await reader.ReadToEndAsync();
        var (head, body) = text.Split("\r\n\r\n", 2) is [var h, var b] ? (h, b) : (text, "");
        var lines = head.Split("\r\n");
        var contentType = lines.Skip(1).FirstOrDefault(l => l.StartsWith("Content-Type:", StringComparison.OrdinalIgnoreCase))?.Split(':', 2)[1].Trim() ?? "";
        return new RawResponse(int.Parse(lines[0].Split(' ')[1]), contentType, body);
    }
}
