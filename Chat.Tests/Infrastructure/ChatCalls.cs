using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace Chat.Tests.Infrastructure;

/// <summary>The calls most member, receipt and real-time tests start with.</summary>
public static class ChatCalls
{
    /// <summary>Creates an application and returns its token: each test works in its own application.</summary>
    public static async Task<string> CreateApplicationAsync(this HttpClient client, string name = "test app")
    {
        using var response = await client.PostAsJsonAsync("/applications", new { name });
        return (await response.ShouldBeAsync(HttpStatusCode.Created)).GetProperty("token").GetString()!;
    }

    /// <summary>An application in the given auth_mode, with the secret that only its creation shows.</summary>
    /// <param name="mode">Null: the deployment's default (Auth:DefaultMode).</param>
    public static async Task<(string Token, string Secret)> CreateApplicationWithSecretAsync(this HttpClient client, string? mode = "open")
    {
        using var response = await client.PostAsJsonAsync("/applications", new { name = $"test app ({mode})", auth_mode = mode });
        var app = await response.ShouldBeAsync(HttpStatusCode.Created);
        return (app.GetProperty("token").GetString()!, app.GetProperty("secret").GetString()!);
    }

    /// <summary>A request with <c>Authorization: Bearer</c> <paramref name="credential"/> (a secret or a user token) and a JSON body.</summary>
    public static Task<HttpResponseMessage> SendAsAsync(this HttpClient client, string? credential, HttpMethod method, string url, object? body = null)
    {
        var request = new HttpRequestMessage(method, url) { Content = body is null ? null : JsonContent.Create(body) };
        if (credential is not null) request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", credential);
        return client.SendAsync(request);
    }

    public static async Task<int> CreateChatAsync(this HttpClient client, string token, object body)
    {
        using var response = await client.PostAsJsonAsync($"/applications/{token}/chats", body);
        return (await response.ShouldBeAsync(HttpStatusCode.Created)).GetProperty("number").GetInt32();
    }

    public static async Task<int> PostMessageAsync(this HttpClient client, string token, int chat, string body, string? sender = null)
    {
        using var response = await client.PostAsJsonAsync($"/applications/{token}/chats/{chat}/messages", new { body, sender });
        return (await response.ShouldBeAsync(HttpStatusCode.Created)).GetProperty("number").GetInt32();
    }

    /// <summary>Readiness with its details: those are for operators, with the admin key.</summary>
    public static Task<HttpResponseMessage> GetReadinessAsync(this HttpClient client) =>
        client.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/health/ready") { Headers = { { "X-Admin-Key", TestServices.AdminKey } } });

    public static async Task<JsonElement> GetOkAsync(this HttpClient client, string url)
    {
        using var response = await client.GetAsync(url);
        return await response.ShouldBeAsync(HttpStatusCode.OK);
    }

    public static async Task<JsonElement> ReportAsync(this HttpClient client, string token, int chat, object receipt)
    {
        using var response = await client.PostAsJsonAsync($"/applications/{token}/chats/{chat}/receipts", receipt);
        return await response.ShouldBeAsync(HttpStatusCode.OK);
    }

    public static List<string> Strings(this JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToList();
}
