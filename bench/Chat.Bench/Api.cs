using System.Net;
using System.Net.Http.Json;
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

    private sealed record Application(string Token);

    public async Task<string> CreateApplicationAsync(string name)
    {
        using var response = await Http.PostAsJsonAsync("/applications", new { name }, Json);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<Application>(Json))!.Token;
    }

    public async Task<int> CreateChatAsync(string token)
    {
        using var response = await Http.PostAsJsonAsync($"/applications/{token}/chats", new { name = "bench" }, Json);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<Created>(Json))!.Number;
    }

    public async Task<Created> PostMessageAsync(string token, int chat, string body, CancellationToken ct = default)
    {
        using var response = await Http.PostAsJsonAsync($"/applications/{token}/chats/{chat}/messages", new { body }, Json, ct);
        if (response.StatusCode != HttpStatusCode.Created)
            throw new HttpRequestException($"POST message: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(ct)}");
        return (await response.Content.ReadFromJsonAsync<Created>(Json, ct))!;
    }

    /// <summary>Runs <paramref name="count"/> calls of <paramref name="call"/> with at most <paramref name="parallel"/> at a time.</summary>
    public static Task ManyAsync(int count, int parallel, Func<int, Task> call) =>
        Parallel.ForEachAsync(Enumerable.Range(1, count), new ParallelOptions { MaxDegreeOfParallelism = parallel },
            async (i, _) => await call(i));

    public async Task<HttpStatusCode> StatusAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        return response.StatusCode;
    }

    public void Dispose() => Http.Dispose();
}
