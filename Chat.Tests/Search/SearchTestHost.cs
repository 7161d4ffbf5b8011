using Chat.Contracts;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Chat.Tests.Infrastructure;
using StackExchange.Redis;

namespace Chat.Tests.Search;

/// <summary>HTTP helpers shared by the search tests: writing messages, waiting for the worker, searching.</summary>
public sealed class SearchTestHost(ApiFactory api)
{
    private static readonly Lazy<ConnectionMultiplexer> Redis = new(() => ConnectionMultiplexer.Connect(TestServices.Redis));

    public HttpClient Client { get; } = api.CreateClient();

    public async Task<int> CreateChatAsync(string token)
    {
        using var response = await Client.PostAsJsonAsync($"/applications/{token}/chats", new { });
        return (await response.ShouldBeAsync(HttpStatusCode.Created)).GetProperty("number").GetInt32();
    }

    public async Task<int> PostAsync(string token, int chat, string body, string? sender = null)
    {
        using var response = await Client.PostAsJsonAsync($"/applications/{token}/chats/{chat}/messages", new { body, sender });
        return (await response.ShouldBeAsync(HttpStatusCode.Created)).GetProperty("number").GetInt32();
    }

    public async Task EditAsync(string token, int chat, int number, string body)
    {
        using var response = await Client.PatchAsJsonAsync($"/applications/{token}/chats/{chat}/messages/{number}", new { body });
        await response.ShouldBeAsync(HttpStatusCode.OK);
    }

    public async Task DeleteAsync(string token, int chat, int number)
    {
        using var response = await Client.DeleteAsync($"/applications/{token}/chats/{chat}/messages/{number}");
        await response.ShouldBeAsync(HttpStatusCode.NoContent);
    }

    public static string Url(string token, int chat, string q, int? limit = null) =>
        $"/applications/{token}/chats/{chat}/messages/search?q={Uri.EscapeDataString(q)}" + (limit is null ? "" : $"&limit={limit}");

    public async Task<JsonElement> SearchAsync(string url)
    {
        using var response = await Client.GetAsync(url);
        return await response.ShouldBeAsync(HttpStatusCode.OK);
    }

    /// <summary>
    /// Searches until the first page holds exactly <paramref name="expected"/> (numbers, in order) or 30 s passed,
    /// since an index trails the writes (and answers 503 until the worker created it); returns the last answer.
    /// </summary>
    public async Task<JsonElement> SearchUntilAsync(string url, params int[] expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            using (var response = await Client.GetAsync(url))
            {
                if (response.StatusCode == HttpStatusCode.OK || DateTime.UtcNow > deadline)
                {
                    var page = await response.ShouldBeAsync(HttpStatusCode.OK);
                    var numbers = Numbers(page);
                    if (numbers.SequenceEqual(expected) || DateTime.UtcNow > deadline)
                    {
                        Assert.That(numbers, Is.EqualTo(expected), $"GET {url}");
                        return page;
                    }
                }
            }
            await Task.Delay(100);
        }
    }

    public static int[] Numbers(JsonElement page) =>
        page.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("number").GetInt32()).ToArray();

    /// <summary>Waits until the worker persisted every message of these chats and let go of their pending copies.</summary>
    public static async Task WaitForPersistedAsync(string token, params int[] chats)
    {
        var application = await Database.ScalarAsync<long>("SELECT id FROM applications WHERE token = @token", ("@token", token));
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        foreach (var chat in chats)
        {
            while (await Redis.Value.GetDatabase().HashLengthAsync(RedisKeys.PendingMessages(application, chat)) > 0)
            {
                if (DateTime.UtcNow > deadline) Assert.Fail($"the worker did not persist chat {chat}'s messages within 30 s");
                await Task.Delay(50);
            }
        }
    }
}
