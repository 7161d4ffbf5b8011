using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace Chat.Bench;

/// <summary>The product's HTTP API through nginx, for set-up, warm-ups and the open-loop lag load.</summary>
public sealed class Api(Settings settings) : IDisposable
{
    public HttpClient Http { get; } = new(new SocketsHttpHandler
    {
        MaxConnectionsPerServer = 256,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
    })
    {
        BaseAddress = new Uri(settings.ApiUrl),
        Timeout = TimeSpan.FromSeconds(30),
    };

    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public sealed record Created(int Number, DateTime CreatedAt);

    public sealed record Application(string Token, string Secret);

    public async Task<string> CreateApplicationAsync(string name) => (await CreateApplicationAsync(name, "open")).Token;

    /// <summary>An application in <paramref name="mode"/>, with its secret (shown only at creation).</summary>
    public async Task<Application> CreateApplicationAsync(string name, string mode)
    {
        using var response = await Http.PostAsJsonAsync("/applications", new { name, auth_mode = mode }, Json);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<Application>(Json))!;
    }

    /// <summary>A chat of <paramref name="members"/>, created by the server role.</summary>
    public async Task CreateChatAsync(Application app, IReadOnlyList<string> members)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/applications/{app.Token}/chats") { Content = JsonContent.Create(new { members }, options: Json) };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", app.Secret);
        using var response = await Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>A user token as an integrator's backend signs it (README, "Authentication"): HS256 over the secret.</summary>
    public static string UserToken(string secret, string user, TimeSpan lifetime)
    {
        static string B64(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var header = B64(JsonSerializer.SerializeToUtf8Bytes(new { alg = "HS256", typ = "JWT" }));
        var payload = B64(JsonSerializer.SerializeToUtf8Bytes(new { sub = user, iat = now, exp = now + (long)lifetime.TotalSeconds }));
        var signature = B64(System.Security.Cryptography.HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{header}.{payload}")));
        return $"{header}.{payload}.{signature}";
    }

    /// <summary>503s that set-up and warm-up calls retried, as a client following Retry-After would.</summary>
    public int Retried => _retried;
    private int _retried;

    public async Task<int> CreateChatAsync(string token) =>
        (await PostAsync($"/applications/{token}/chats", new { name = "bench" }, retry: true, CancellationToken.None)).Number;

    /// <param name="retry">Retry a 503 (set-up and warm-ups); measurements count it as a failure instead.</param>
    public Task<Created> PostMessageAsync(string token, int chat, string body, bool retry = false, CancellationToken ct = default) =>
        PostAsync($"/applications/{token}/chats/{chat}/messages", new { body }, retry, ct);

    private async Task<Created> PostAsync(string path, object body, bool retry, CancellationToken ct)
    {
        for (var attempt = 1; ; attempt++)
        {
            using var response = await Http.PostAsJsonAsync(path, body, Json, ct);
            if (response.StatusCode == HttpStatusCode.Created) return (await response.Content.ReadFromJsonAsync<Created>(Json, ct))!;
            if (retry && response.StatusCode == HttpStatusCode.ServiceUnavailable && attempt < 10)
            {
                Interlocked.Increment(ref _retried);
                await Task.Delay(TimeSpan.FromMilliseconds(200 * attempt), ct);
                continue;
            }
            throw new HttpRequestException($"POST {path}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        }
    }

    /// <summary>Runs <paramref name="count"/> calls of <paramref name="call"/> with at most <paramref name="parallel"/> at a time.</summary>
    public static Task ManyAsync(int count, int parallel, Func<int, Task> call) =>
        Parallel.ForEachAsync(Enumerable.Range(1, count), new ParallelOptions { MaxDegreeOfParallelism = parallel },
            async (i, _) => await call(i));

    /// <summary>Waits until <paramref name="baseUrl"/> (one replica, not nginx) answers /health/ready, as scripts/dev-up does.</summary>
    public async Task WaitReadyAsync(string baseUrl)
    {
        for (var deadline = DateTime.UtcNow.AddSeconds(90); DateTime.UtcNow < deadline; await Task.Delay(500))
        {
            try
            {
                using var response = await Http.GetAsync($"{baseUrl}/health/ready");
                if (response.IsSuccessStatusCode) return;
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
        }
        throw new TimeoutException($"{baseUrl} was not ready within 90 s");
    }

    public async Task<HttpStatusCode> StatusAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        return response.StatusCode;
    }

    public void Dispose() => Http.Dispose();
}
