using System.Net;
using System.Net.Http.Json;
using System.Text;
using Chat.Tests.Infrastructure;
using MySqlConnector;
using StackExchange.Redis;

namespace Chat.Tests.Security;

/// <summary>
/// Promise 19: no secret in clear. A run that creates applications, rotates their secrets, signs user tokens and uses
/// all of them (HTTP and the hub, valid and refused), logging at Trace, and lets the worker persist; then MySQL (every
/// table, every cell), Redis (every key and value of the run's database), everything the API and the worker logged, and
/// the admin listing are searched for each secret and each user token: zero hits.
/// </summary>
public sealed class SecretsInClearTests
{
    [Test]
    public async Task NoSecretOrUserTokenOfARunIsInMySqlRedisTheLogsOrTheListing()
    {
        await using var api = new ApiFactory(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Trace",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace",
            ["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Trace",
            // The one exception, as at nginx: the request line names query strings, where SignalR puts a browser's access_token.
            ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Warning",
        });
        var client = api.CreateClient();
        await using var worker = await WorkerHost.StartAsync(new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Trace" });
        var used = new List<string>();

        var (token, first) = await client.CreateApplicationWithSecretAsync("user_tokens");
        used.Add(first);
        await (await client.SendAsAsync(first, HttpMethod.Post, $"/applications/{token}/chats", new { members = new[] { "alice", "bob" } }))
            .ShouldBeAsync(HttpStatusCode.Created);
        var alice = UserTokens.For(first, "alice");
        var expired = UserTokens.For(first, "alice", TimeSpan.FromMinutes(-5));
        used.AddRange([alice, expired]);
        await (await client.SendAsAsync(alice, HttpMethod.Post, $"/applications/{token}/chats/1/messages", new { body = "hi" })).ShouldBeAsync(HttpStatusCode.Created);
        await (await client.SendAsAsync(expired, HttpMethod.Get, $"/applications/{token}/chats/1")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);

        var rotated = await (await client.SendAsAsync(first, HttpMethod.Post, $"/applications/{token}/secret/rotate")).ShouldBeAsync(HttpStatusCode.OK);
        var second = rotated.GetProperty("secret").GetString()!;
        var bob = UserTokens.For(second, "bob");
        used.AddRange([second, bob]);
        await (await client.SendAsAsync(second, HttpMethod.Post, $"/applications/{token}/chats/1/messages", new { body = "from the server", sender = "bob" }))
            .ShouldBeAsync(HttpStatusCode.Created);
        await (await client.SendAsAsync(second + "x", HttpMethod.Get, $"/applications/{token}/chats")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized);
        await using (var hub = await HubClient.ConnectAsync(api, bob, token))
            await hub.JoinAsync(token, 1, "bob");
        // A browser's WebSocket sends the token in the query string.
        (await client.PostAsync($"/hubs/chat/negotiate?negotiateVersion=1&application={token}&access_token={bob}", null)).EnsureSuccessStatusCode();
        await WorkerHost.WaitForMessagesAsync(token, 2);

        using var listing = new HttpRequestMessage(HttpMethod.Get, "/applications?limit=200") { Headers = { { "X-Admin-Key", TestServices.AdminKey } } };
        var places = new Dictionary<string, string>
        {
            ["MySQL"] = await MySqlTextAsync(),
            ["Redis"] = await RedisTextAsync(),
            ["the API's logs"] = string.Join("\n", api.Logs.Entries.Select(e => $"{e} {e.Exception}")),
            ["the worker's logs"] = string.Join("\n", worker.Logs.Entries.Select(e => $"{e} {e.Exception}")),
            ["the admin listing"] = await (await client.SendAsync(listing)).Content.ReadAsStringAsync(),
        };
        // A user token also counts when only its signature (the part that proves it) shows.
        var needles = used.Concat(used.Where(u => u.Count(c => c == '.') == 2).Select(u => u.Split('.')[2])).ToList();
        var hits = from place in places from needle in needles where place.Value.Contains(needle, StringComparison.Ordinal)
            select $"{needle[..12]}… in {place.Key}";

        TestContext.Progress.WriteLine($"Searched {string.Join(", ", places.Select(p => $"{p.Key} ({p.Value.Length:N0} characters)"))} " +
                                       $"for {used.Count} secrets and user tokens");
        Assert.That(places.Values.Select(v => v.Length), Has.All.GreaterThan(0));
        Assert.That(places["MySQL"], Does.Contain(token), "the search does see the rows of this run");
        Assert.That(places["the API's logs"], Does.Contain("was not authenticated"), "the logs do see the refusals of this run");
        Assert.That(hits, Is.Empty);
    }

    /// <summary>Every cell of every table of the test database, as text.</summary>
    private static async Task<string> MySqlTextAsync()
    {
        var text = new StringBuilder();
        await using var connection = new MySqlConnection(TestServices.MySql);
        await connection.OpenAsync();
        var tables = new List<string>();
        await using (var list = new MySqlCommand("SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()", connection))
        await using (var reader = await list.ExecuteReaderAsync())
            while (await reader.ReadAsync()) tables.Add(reader.GetString(0));
        foreach (var table in tables)
        {
            await using var select = new MySqlCommand($"SELECT * FROM `{table}`", connection);
            await using var reader = await select.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                for (var i = 0; i < reader.FieldCount; i++)
                    text.Append(reader.GetValue(i) switch { byte[] bytes => Encoding.UTF8.GetString(bytes), var value => value?.ToString() }).Append('\t');
        }
        return text.ToString();
    }

    /// <summary>Every key of the run's Redis database and its value, whatever its type.</summary>
    private static async Task<string> RedisTextAsync()
    {
        var options = ConfigurationOptions.Parse(TestServices.Redis);
        options.AllowAdmin = true;
        await using var redis = await ConnectionMultiplexer.ConnectAsync(options);
        var db = redis.GetDatabase();
        var text = new StringBuilder();
        await foreach (var key in redis.GetServer(redis.GetEndPoints()[0]).KeysAsync(options.DefaultDatabase ?? 0, pageSize: 1000))
        {
            text.Append(key).Append('\t');
            var value = await db.KeyTypeAsync(key) switch
            {
                RedisType.String => (string?)await db.StringGetAsync(key),
                RedisType.Hash => string.Join("\t", await db.HashGetAllAsync(key)),
                RedisType.Set => string.Join("\t", await db.SetMembersAsync(key)),
                RedisType.SortedSet => string.Join("\t", await db.SortedSetRangeByRankWithScoresAsync(key)),
                RedisType.List => string.Join("\t", await db.ListRangeAsync(key)),
                var other => $"({other})",
            };
            text.Append(value).Append('\n');
        }
        return text.ToString();
    }
}
