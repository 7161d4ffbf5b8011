using System.Net;
using System.Text.Json;
using Chat.Domain.Messages;
using Chat.Contracts;
using Chat.Tests.Infrastructure;
using MySqlConnector;
using StackExchange.Redis;

namespace Chat.Tests.Scaling;

/// <summary>
/// <c>messages</c>, and the tables that grow with it, are partitioned by <c>KEY(chat_id)</c> (docs/decisions/0012): the history pages and the message lookup
/// the API sends, EXPLAINed with their own parameters, read exactly one partition — the one that holds the chat.
/// </summary>
public sealed class PartitioningTests
{
    // Listening before the host sends its first query: EF Core caches for a while that nobody listens.
    private readonly SqlCapture _capture = new();
    private ApiFactory _api = null!;
    private HttpClient _client = null!;

    [OneTimeSetUp]
    public void StartHost()
    {
        _api = new ApiFactory();
        _client = _api.CreateClient();
    }

    [OneTimeTearDown]
    public async Task StopHost()
    {
        await _api.DisposeAsync();
        _capture.Dispose();
    }

    [TestCase("messages", "chat_id")]
    [TestCase("message_blocks", "chat_id")]
    [TestCase("message_mentions", "chat_id")]
    [TestCase("message_reactions", "chat_id")]
    [TestCase("webhook_deliveries", "application_id")]
    public async Task TablesThatGrowWithTheMessagesArePartitionedIntoTheDocumentedNumberOfPartitions(string table, string column)
    {
        await using var connection = await OpenAsync();
        await using var command = new MySqlCommand("""
            SELECT PARTITION_METHOD, PARTITION_EXPRESSION, COUNT(*) FROM information_schema.PARTITIONS
            WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = @table GROUP BY PARTITION_METHOD, PARTITION_EXPRESSION
            """, connection);
        command.Parameters.AddWithValue("@table", table);
        await using var reader = await command.ExecuteReaderAsync();
        Assert.That(await reader.ReadAsync(), Is.True);
        Assert.That(reader.IsDBNull(0) ? null : reader.GetString(0), Is.EqualTo("KEY"));
        Assert.That(reader.GetString(1).Trim('`'), Is.EqualTo(column));
        Assert.That(reader.GetInt32(2), Is.EqualTo(MessageRowConfiguration.Partitions), "the migration and the documented constant agree");
    }

    [Test]
    public async Task AHistoryPageAndAMessageLookupEachReadTheOnePartitionOfTheirChat()
    {
        var token = await _api.CreateApplicationAsync();
        for (var chat = 1; chat <= 3; chat++) await _client.CreateChatAsync(token, new { });
        await using (await WorkerHost.StartAsync())
        {
            for (var chat = 1; chat <= 3; chat++)
                for (var i = 1; i <= 12; i++) await _client.PostMessageAsync(token, chat, $"c{chat} m{i}");
            Assert.That(await WorkerHost.WaitForMessagesAsync(token, 36), Is.EqualTo(36));
        }
        var appId = await Database.ScalarAsync<long>("SELECT id FROM applications WHERE token = @t", ("@t", token));
        var chatRow = await Database.ScalarAsync<long>("SELECT id FROM chats WHERE application_id = @a AND number = 2", ("@a", appId));
        await using var redis = await ConnectionMultiplexer.ConnectAsync(TestServices.Redis);
        Assert.That(await Eventually.HoldsAsync(async () => await redis.GetDatabase().HashLengthAsync(RedisKeys.PendingMessages(appId, 2)) == 0),
            Is.True, "every pending copy released, so the lookup below is answered from MySQL");

        var before = _capture.Queries.Count;
        var statementsBefore = _capture.Statements.Count;
        await _client.GetOkAsync($"/applications/{token}/chats/2/messages?limit=5");
        await _client.GetOkAsync($"/applications/{token}/chats/2/messages?limit=5&after=3");
        var seven = await _client.GetOkAsync($"/applications/{token}/chats/2/messages/7");
        Assert.That(seven.GetProperty("body").GetString(), Is.EqualTo("c2 m7"));
        var sent = _capture.Queries.Skip(before).Where(q => q.Text.Contains("`messages`", StringComparison.Ordinal)).ToList();
        Assert.That(sent, Has.Count.EqualTo(3), "two history pages and one lookup, each one query of messages");

        foreach (var query in sent)
        {
            var partitions = await PartitionsReadAsync(query);
            Assert.That(partitions, Has.Count.EqualTo(1), $"one partition for: {query.Text}");
            Assert.That(await Database.ScalarAsync<long>($"SELECT COUNT(*) FROM messages PARTITION ({partitions[0]}) WHERE chat_id = @c", ("@c", chatRow)),
                Is.EqualTo(12), "and it is the partition that holds the chat");
        }

        // The page's reaction counts: one grouped statement (the chat's row id written in), on the same partition.
        var counts = _capture.Statements.Skip(statementsBefore).Where(q => q.Contains("FROM message_reactions", StringComparison.Ordinal)).ToList();
        Assert.That(counts, Is.Not.Empty);
        foreach (var statement in counts)
            Assert.That(await PartitionsReadAsync(new SqlCapture.Query(statement, [])),
                Is.EqualTo(await PartitionsReadAsync(sent[0])), $"the chat's partition for: {statement}");
    }

    /// <summary>The partitions EXPLAIN says the statement reads, over every table in its plan.</summary>
    private static async Task<List<string>> PartitionsReadAsync(SqlCapture.Query query)
    {
        await using var connection = await OpenAsync();
        await using var command = new MySqlCommand("EXPLAIN FORMAT=JSON " + query.Text, connection);
        foreach (var (name, value) in query.Parameters) command.Parameters.AddWithValue(name, value);
        using var plan = JsonDocument.Parse((string)(await command.ExecuteScalarAsync())!);
        var partitions = new List<string>();
        Collect(plan.RootElement);
        return partitions;

        void Collect(JsonElement element)
        {
            if (element.ValueKind == JsonValueKind.Array) foreach (var item in element.EnumerateArray()) Collect(item);
            if (element.ValueKind != JsonValueKind.Object) return;
            foreach (var property in element.EnumerateObject())
                if (property.Name == "partitions") partitions.AddRange(property.Value.EnumerateArray().Select(p => p.GetString()!));
                else Collect(property.Value);
        }
    }

    private static async Task<MySqlConnection> OpenAsync()
    {
        var connection = new MySqlConnection(TestServices.MySql);
        await connection.OpenAsync();
        return connection;
    }
}
