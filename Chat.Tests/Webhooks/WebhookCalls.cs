using System.Net;
using System.Text.Json;
using Chat.Tests.Infrastructure;

namespace Chat.Tests.Webhooks;

/// <summary>An application with one or more webhooks pointed at loopback receivers, and a worker that delivers quickly.</summary>
public sealed class WebhookApp(HttpClient client, string token, string secret)
{
    public HttpClient Client { get; } = client;
    public string Token { get; } = token;
    public string Secret { get; } = secret;
    public string Url => $"/applications/{Token}/webhooks";

    /// <summary>Retries in tenths of a second, so a test of several attempts runs in seconds; a 1 s answer timeout.</summary>
    public static readonly Dictionary<string, string?> FastWorker = new()
    {
        ["Webhooks:FirstRetryDelay"] = "00:00:00.2",
        ["Webhooks:RetryFor"] = "00:05:00",
        ["Webhooks:Timeout"] = "00:00:01",
    };

    public static async Task<WebhookApp> CreateAsync(HttpClient client)
    {
        var (token, secret) = await client.CreateApplicationWithSecretAsync();
        return new WebhookApp(client, token, secret);
    }

    /// <summary>Registers <paramref name="url"/> and tells the receiver its secret; returns the webhook's id.</summary>
    public async Task<string> RegisterAsync(string url, string[] events, WebhookReceiver? receiver = null)
    {
        var created = await (await Client.SendAsAsync(Secret, HttpMethod.Post, Url, new { url, events })).ShouldBeAsync(HttpStatusCode.Created);
        receiver?.Trust(created.GetProperty("signing_secret").GetString()!);
        return created.GetProperty("id").GetString()!;
    }

    public async Task<string> RegisterAsync(WebhookReceiver receiver, params string[] events) =>
        await RegisterAsync(receiver.Url, events.Length == 0 ? ["*"] : events, receiver);

    public async Task<JsonElement> GetAsync(string path) => await (await Client.SendAsAsync(Secret, HttpMethod.Get, $"{Url}/{path}")).ShouldBeAsync(HttpStatusCode.OK);

    /// <summary>Every line of the webhook's deliveries log (optionally of one status), following next.</summary>
    public async Task<List<JsonElement>> DeliveriesAsync(string webhook, string? status = null)
    {
        var lines = new List<JsonElement>();
        string? next = $"{Url}/{webhook}/deliveries?limit=200{(status is null ? "" : $"&status={status}")}";
        while (next is not null)
        {
            var page = await (await Client.SendAsAsync(Secret, HttpMethod.Get, next)).ShouldBeAsync(HttpStatusCode.OK);
            lines.AddRange(page.GetProperty("data").EnumerateArray().Select(e => e.Clone()));
            next = page.GetProperty("next").ValueKind == JsonValueKind.Null ? null : page.GetProperty("next").GetString();
        }
        return lines;
    }

    public async Task<int> ChatAsync() => await Client.CreateChatAsync(Token, new { name = "hooks" });

    /// <summary>Creates messages 1..count in the chat, a few at a time.</summary>
    public async Task PostMessagesAsync(int chat, int count, int from = 1) =>
        await Parallel.ForEachAsync(Enumerable.Range(from, count), new ParallelOptions { MaxDegreeOfParallelism = 8 },
            async (i, _) => await Client.PostMessageAsync(Token, chat, $"message {i}", "alice"));

    public async Task EditAsync(int chat, int number) =>
        await (await Client.SendAsAsync(Secret, HttpMethod.Patch, $"/applications/{Token}/chats/{chat}/messages/{number}", new { body = $"edited {number}" }))
            .ShouldBeAsync(HttpStatusCode.OK);

    public async Task DeleteAsync(int chat, int number) =>
        Assert.That((await Client.SendAsAsync(Secret, HttpMethod.Delete, $"/applications/{Token}/chats/{chat}/messages/{number}")).StatusCode,
            Is.EqualTo(HttpStatusCode.NoContent));
}
