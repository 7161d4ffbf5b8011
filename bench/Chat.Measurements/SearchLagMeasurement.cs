using System.Collections.Concurrent;
using System.Diagnostics;
using Chat.Domain.Search;
using Chat.Tests.Infrastructure;
using Chat.Tests.Search;
using MySqlConnector;

namespace Chat.Measurements;

/// <summary>
/// The numbers behind the README's search section (bench/search-lag). How long after its 201 a message is persisted
/// (the database provider reads pending states too, so for it this only moves the work from Redis to MySQL) and
/// handed to Elasticsearch in a bulk request (the in-memory stand-in; a real cluster adds its refresh interval,
/// 1 s by default); and what a database-provider search costs on a large chat.
/// </summary>
public sealed class SearchLagMeasurement
{
    [Test]
    public async Task AcceptToPersistedAndToIndexed()
    {
        const int messages = 500;
        using var elasticsearch = new FakeElasticsearch();
        await using var api = new ApiFactory(new Dictionary<string, string?> { ["Search:Provider"] = "database" });
        var host = new SearchTestHost(api);
        var token = await api.CreateApplicationAsync();
        var chat = await host.CreateChatAsync(token);
        await using var worker = await WorkerHost.StartAsync(new Dictionary<string, string?>
        {
            ["Search:Provider"] = "elasticsearch", ["Elasticsearch:Url"] = elasticsearch.Server.BaseAddress.ToString(),
        });
        await host.PostAsync(token, chat, "warm-up");
        var application = await Database.ScalarAsync<long>("SELECT id FROM applications WHERE token = @t", ("@t", token));
        var chatKey = SearchKeys.Chat(application, chat);
        var clock = Stopwatch.StartNew();
        var accepted = new ConcurrentDictionary<int, double>();
        var persisted = new Dictionary<int, double>();
        var indexed = new Dictionary<int, double>();

        // 10 clients, each posting as fast as it gets answers (about what one busy chat sees).
        var posting = Task.WhenAll(Enumerable.Range(0, 10).Select(async client =>
        {
            for (var i = 0; i < messages / 10; i++)
            {
                var number = await host.PostAsync(token, chat, $"measured {client}/{i}");
                accepted[number] = clock.Elapsed.TotalMilliseconds;
            }
        }));
        await using var connection = new MySqlConnection(MeasuredDatabase.MySql);
        await connection.OpenAsync();
        while (persisted.Count < messages + 1 || indexed.Count < messages + 1)
        {
            await using (var command = new MySqlCommand(
                "SELECT m.number FROM messages m JOIN chats c ON c.id = m.chat_id WHERE c.application_id = @a AND c.number = @c", connection))
            {
                command.Parameters.AddWithValue("@a", application);
                command.Parameters.AddWithValue("@c", chat);
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync()) persisted.TryAdd(reader.GetInt32(0), clock.Elapsed.TotalMilliseconds);
            }
            foreach (var number in elasticsearch.Stored(chatKey).Keys) indexed.TryAdd(number, clock.Elapsed.TotalMilliseconds);
            await Task.Delay(5);
            Assert.That(clock.Elapsed, Is.LessThan(TimeSpan.FromMinutes(2)));
        }
        await posting;

        TestContext.Out.WriteLine($"{messages} messages in {accepted.Values.Max():0} ms");
        Report("201 → row in MySQL", accepted.Select(a => persisted[a.Key] - a.Value));
        Report("201 → in a bulk request to Elasticsearch", accepted.Select(a => indexed[a.Key] - a.Value));
    }

    [TestCase(10_000)]
    [TestCase(100_000)]
    public async Task DatabaseSearchOnALargeChat(int size)
    {
        await using var api = new ApiFactory(new Dictionary<string, string?> { ["Search:Provider"] = "database" });
        var host = new SearchTestHost(api);
        var token = await api.CreateApplicationAsync();
        var chat = await host.CreateChatAsync(token);
        await using (await WorkerHost.StartAsync()) await WorkerHost.WaitForChatsAsync(token, 1);
        // Rows straight into MySQL; every 1000th mentions a rare word.
        await GeneratedMessages.InsertAsync(token, chat, size, rareEvery: 1000);

        foreach (var (label, q) in new[] { ("common word (page fills at once)", "lorem"), ("rare word (1 in 1000)", "zanzibar"), ("no match (whole chat)", "xylophone") })
        {
            await host.SearchAsync(SearchTestHost.Url(token, chat, q));
            var times = new List<double>();
            for (var i = 0; i < 5; i++)
            {
                var clock = Stopwatch.StartNew();
                await host.SearchAsync(SearchTestHost.Url(token, chat, q));
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
            times.Sort();
            TestContext.Out.WriteLine($"{size} messages, {label}: median {times[2]:0} ms, max {times[^1]:0} ms");
        }
    }

    private static void Report(string what, IEnumerable<double> lags)
    {
        var sorted = lags.Order().ToList();
        TestContext.Out.WriteLine($"{what}: median {sorted[sorted.Count / 2]:0} ms, p95 {sorted[(int)(sorted.Count * 0.95)]:0} ms, max {sorted[^1]:0} ms");
    }
}
