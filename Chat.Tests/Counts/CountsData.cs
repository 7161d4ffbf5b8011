using Chat.Contracts;
using Chat.Domain;
using Chat.Domain.Counts;
using Chat.Domain.Data;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using MySqlConnector;

using Chat.Tests.Infrastructure;

namespace Chat.Tests.Counts;

/// <summary>
/// Rows written straight to MySQL, the way the worker leaves them: counts start wrong (zero, or whatever the
/// test says) until a reconciliation fixes them. Every application has its own token, so tests never collide.
/// </summary>
public sealed class CountsData(string configuredConnectionString)
{
    // Binary16 guids, as the application's data source sends them.
    private readonly string connectionString = DatabaseSetup.ConnectionString(configuredConnectionString);

    private static readonly DateTime Now = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    public CountsData() : this(TestServices.MySql) { }

    public async Task<(long Id, string Token)> CreateApplicationAsync(int chatsCount = 0)
    {
        var token = ApplicationToken.New();
        var id = await ScalarAsync(
            "INSERT INTO applications (token, name, chats_count, created_at, updated_at) VALUES (@token, 'counts', @count, @now, @now); SELECT LAST_INSERT_ID();",
            ("@token", token), ("@count", chatsCount), ("@now", Now));
        return (id, token);
    }

    public Task<long> CreateChatAsync(long applicationId, int number, bool deleted = false, int messagesCount = 0) => ScalarAsync(
        "INSERT INTO chats (application_id, number, uid, messages_count, created_at, updated_at, deleted_at) VALUES (@app, @number, @uid, @count, @now, @now, @deleted); SELECT LAST_INSERT_ID();",
        ("@app", applicationId), ("@number", number), ("@uid", Guid.NewGuid()), ("@count", messagesCount), ("@now", Now),
        ("@deleted", deleted ? Now : null));

    /// <summary>Adds <paramref name="live"/> messages and <paramref name="deleted"/> deleted ones after the chat's last number.</summary>
    public async Task AddMessagesAsync(long chatId, int live, int deleted = 0)
    {
        if (live + deleted == 0) return;
        var first = await ScalarAsync("SELECT COALESCE(MAX(number), 0) + 1 FROM messages WHERE chat_id = @chat", ("@chat", chatId));
        var rows = Enumerable.Range(0, live + deleted)
            .Select(i => $"({chatId}, {first + i}, UNHEX(REPLACE(UUID(), '-', '')), 'hello', @now, @now, {(i >= live ? "@now" : "NULL")})");
        await ExecuteAsync($"INSERT INTO messages (chat_id, number, uid, body, created_at, updated_at, deleted_at) VALUES {string.Join(",", rows)}",
            ("@now", Now));
    }

    public Task DeleteMessagesAsync(long chatId, int count) => ExecuteAsync(
        "UPDATE messages SET deleted_at = @now WHERE chat_id = @chat AND deleted_at IS NULL ORDER BY number LIMIT @count",
        ("@now", Now), ("@chat", chatId), ("@count", count));

    public Task DeleteChatAsync(long chatId) =>
        ExecuteAsync("UPDATE chats SET deleted_at = @now WHERE id = @chat", ("@now", Now), ("@chat", chatId));

    public Task<long> ChatsCountAsync(long applicationId) =>
        ScalarAsync("SELECT chats_count FROM applications WHERE id = @id", ("@id", applicationId));

    public Task<long> MessagesCountAsync(long chatId) =>
        ScalarAsync("SELECT messages_count FROM chats WHERE id = @id", ("@id", chatId));

    public Task<DateTime> UpdatedAtAsync(long chatId) =>
        QueryAsync("SELECT updated_at FROM chats WHERE id = @id", r => r.GetDateTime(0), ("@id", chatId));

    public async Task ExecuteAsync(string sql, params (string Name, object? Value)[] parameters)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = Command(connection, sql, parameters);
        await command.ExecuteNonQueryAsync();
    }

    private async Task<long> ScalarAsync(string sql, params (string Name, object? Value)[] parameters) =>
        await QueryAsync(sql, r => Convert.ToInt64(r.GetValue(0)), parameters);

    private async Task<T> QueryAsync<T>(string sql, Func<MySqlDataReader, T> read, params (string Name, object? Value)[] parameters)
    {
        await using var connection = new MySqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = Command(connection, sql, parameters);
        await using var reader = await command.ExecuteReaderAsync();
        do
        {
            if (reader.FieldCount > 0 && await reader.ReadAsync()) return read(reader);
        } while (await reader.NextResultAsync());
        throw new InvalidOperationException($"No row: {sql}");
    }

    private static MySqlCommand Command(MySqlConnection connection, string sql, (string Name, object? Value)[] parameters)
    {
        var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        return command;
    }
}

/// <summary>
/// What a worker replica has for counts: the domain adapters plus <see cref="CountsSetup.AddCountsClient"/>,
/// configured by the environment TestServices set and by <paramref name="settings"/>. Two of these are two replicas.
/// </summary>
public sealed class CountsReplica : IDisposable
{
    private readonly IHost _host;

    public CountsReplica(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder();
        foreach (var (key, value) in settings) builder.Configuration[key] = value;
        builder.AddChatDomainForTests();
        builder.AddCountsClient();
        _host = builder.Build();
    }

    public CountMarks Marks => _host.Services.GetRequiredService<CountMarks>();
    public CountReconciler Reconciler => _host.Services.GetRequiredService<CountReconciler>();
    public StackExchange.Redis.IDatabase Redis => _host.Services.GetRequiredService<StackExchange.Redis.IDatabase>();

    public Task<CountRun> RunAsync() => Reconciler.RunAsync(CancellationToken.None);

    public void Dispose() => _host.Dispose();
}
