using System.Text.RegularExpressions;
using Chat.Domain.Search;
using Chat.Tests.Infrastructure;
using Chat.Worker.Search;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Chat.Tests.Search;

/// <summary>
/// <c>Chat.Worker reindex</c> against the in-memory stand-in: every live message of MySQL reaches the new versioned
/// index, the alias moves to it, and writes the indexer makes while the copy runs are not lost.
/// </summary>
public sealed class ReindexTests
{
    private FakeElasticsearch _elasticsearch = null!;
    private ApiFactory _api = null!;
    private SearchTestHost _host = null!;

    [SetUp]
    public void Start()
    {
        _elasticsearch = new FakeElasticsearch();
        _api = new ApiFactory(new Dictionary<string, string?> { ["Search:Provider"] = "database" });
        _host = new SearchTestHost(_api);
    }

    [TearDown]
    public async Task Stop()
    {
        await _api.DisposeAsync();
        _elasticsearch.Dispose();
    }

    [Test]
    public async Task WritesTheIndexerMakesWhileTheCopyRunsReachTheNewIndex()
    {
        await using var worker = await WorkerHost.StartAsync(Elasticsearch());
        var token = await _api.CreateApplicationAsync();
        // Copied in chat order: a (earlier), then b. Once b is copied, the copy is past a for good.
        var (a, b) = (await _host.CreateChatAsync(token), await _host.CreateChatAsync(token));
        for (var i = 1; i <= 5; i++) await _host.PostAsync(token, a, $"alpha {i}");
        for (var i = 1; i <= 5; i++) await _host.PostAsync(token, b, $"beta {i}");
        Assert.That(await WorkerHost.WaitForMessagesAsync(token, 10), Is.EqualTo(10));
        var (keyA, keyB) = (await ChatKeyAsync(token, a), await ChatKeyAsync(token, b));
        Assert.That(await Eventually.HoldsAsync(() => Task.FromResult(_elasticsearch.Stored(keyB).Count == 5)), Is.True, "indexed into v1");

        using var reindex = ReindexHost();
        var wroteDuringCopy = false;
        var result = await reindex.Services.GetRequiredService<Reindexer>().RunAsync(deleteOld: false, async (_, _) =>
        {
            if (wroteDuringCopy || _elasticsearch.Documents("chat-messages-v2").Keys.Count(k => k.ChatKey == keyB) < 5) return;
            wroteDuringCopy = true;
            // Chat a was copied already: only the indexer, writing through the alias, can bring these to v2.
            await _host.EditAsync(token, a, 1, "alpha 1, edited while the copy ran");
            await _host.DeleteAsync(token, a, 2);
            await _host.PostAsync(token, a, "alpha 6, new while the copy ran");
            Assert.That(await Eventually.HoldsAsync(() => Task.FromResult(_elasticsearch.Documents("chat-messages-v2").Count(d => d.Key.ChatKey == keyA
                    && (d.Value.Contains("edited") || d.Value.Contains("alpha 6"))) == 2), TimeSpan.FromSeconds(30)),
                Is.True, "writes during the copy went to the new index");
        }, CancellationToken.None);

        Assert.That(wroteDuringCopy, Is.True);
        Assert.Multiple(async () =>
        {
            Assert.That(result.Index, Is.EqualTo("chat-messages-v2"));
            Assert.That(_elasticsearch.Alias(), Is.EqualTo(new Dictionary<string, bool?> { ["chat-messages-v2"] = true }), "the alias points at v2 only");
            Assert.That(_elasticsearch.Indices(), Is.EqualTo(new[] { "chat-messages-v1", "chat-messages-v2" }), "v1 is kept unless asked");
            Assert.That(_elasticsearch.Stored(keyA), Is.EquivalentTo(new Dictionary<int, string>
            {
                [1] = "alpha 1, edited while the copy ran", [3] = "alpha 3", [4] = "alpha 4", [5] = "alpha 5", [6] = "alpha 6, new while the copy ran",
            }));
            Assert.That(_elasticsearch.Documents("chat-messages-v2"), Is.EquivalentTo(await LiveMessagesAsync()), "every live message of MySQL, as it is now");
        });
    }

    [Test]
    public async Task TheCommandBuildsAVersionPrintsProgressAndDeletesOldVersionsOnlyWhenAsked()
    {
        var token = await _api.CreateApplicationAsync();
        var chat = await _host.CreateChatAsync(token);
        await using (await WorkerHost.StartAsync(new Dictionary<string, string?> { ["Search:Provider"] = "database" }))
        {
            for (var i = 1; i <= 3; i++) await _host.PostAsync(token, chat, $"written before any index existed {i}");
            await WorkerHost.WaitForMessagesAsync(token, 3);
        }

        var (first, firstOutput) = await RunCommandAsync();
        var (second, secondOutput) = await RunCommandAsync("--delete-old");
        var (wrong, wrongOutput) = await RunCommandAsync("--delete-all");

        Assert.Multiple(async () =>
        {
            Assert.That(first, Is.EqualTo(0), firstOutput);
            Assert.That(firstOutput, Does.Match(@"reindex chat-messages-v1: [\d,]+/[\d,]+ \(100\.0 %\), [\d,]+ messages/s, ETA 0:00:00"));
            Assert.That(firstOutput, Does.Contain("Alias chat-messages now points at chat-messages-v1 only"));
            Assert.That(second, Is.EqualTo(0), secondOutput);
            Assert.That(secondOutput, Does.Contain("Deleted chat-messages-v1."));
            Assert.That(_elasticsearch.Indices(), Is.EqualTo(new[] { "chat-messages-v2" }));
            Assert.That(_elasticsearch.Alias(), Is.EqualTo(new Dictionary<string, bool?> { ["chat-messages-v2"] = true }));
            Assert.That(_elasticsearch.Documents("chat-messages-v2"), Is.EquivalentTo(await LiveMessagesAsync()));
            Assert.That(Regex.Count(firstOutput, "^reindex ", RegexOptions.Multiline), Is.GreaterThanOrEqualTo(1));
            Assert.That(wrong, Is.EqualTo(2));
            Assert.That(wrongOutput, Does.StartWith("Usage: Chat.Worker reindex"));
        });
    }

    private Dictionary<string, string?> Elasticsearch() => new()
    {
        ["Search:Provider"] = "elasticsearch",
        ["Elasticsearch:Url"] = _elasticsearch.Server.BaseAddress.ToString(),
    };

    private Microsoft.Extensions.Hosting.IHost ReindexHost() => ReindexCommand.BuildHost(Configure);

    private async Task<(int ExitCode, string Output)> RunCommandAsync(params string[] args)
    {
        using var output = new StringWriter();
        var exitCode = await ReindexCommand.RunAsync(args, output, Configure);
        return (exitCode, output.ToString());
    }

    private void Configure(Microsoft.Extensions.Hosting.IHostApplicationBuilder builder)
    {
        builder.Configuration.AddInMemoryCollection(Elasticsearch());
        ManyHosts.Tolerate(builder.Services);
    }

    private static async Task<string> ChatKeyAsync(string token, int chat) =>
        SearchKeys.Chat(await Database.ScalarAsync<long>("SELECT id FROM applications WHERE token = @t", ("@t", token)), chat);

    /// <summary>Every live message in the test database (all applications): (chat key, number) → body.</summary>
    private static async Task<Dictionary<(string ChatKey, int Number), string>> LiveMessagesAsync()
    {
        await using var connection = new MySqlConnection(TestServices.MySql);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("""
            SELECT c.application_id, c.number, m.number, m.body
            FROM messages m JOIN chats c ON c.id = m.chat_id JOIN applications a ON a.id = c.application_id
            WHERE m.deleted_at IS NULL AND c.deleted_at IS NULL AND a.deleted_at IS NULL
            """, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var live = new Dictionary<(string, int), string>();
        while (await reader.ReadAsync()) live[(SearchKeys.Chat(reader.GetInt64(0), reader.GetInt32(1)), reader.GetInt32(2))] = reader.GetString(3);
        return live;
    }
}
