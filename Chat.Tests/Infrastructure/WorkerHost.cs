using Chat.Domain;
using Chat.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using MySqlConnector;

namespace Chat.Tests.Infrastructure;

/// <summary>The real worker, in-process, against the same services as the API under test.</summary>
public sealed class WorkerHost : IAsyncDisposable
{
    private readonly IHost _host;

    private WorkerHost(IHost host, LogCapture logs) => (_host, Logs) = (host, logs);

    /// <summary>Everything this worker logged.</summary>
    public LogCapture Logs { get; }

    public IServiceProvider Services => _host.Services;

    /// <param name="settings">Configuration keys for this worker only, e.g. <c>Worker:MaxWaits</c> or <c>Search:Provider</c>.</param>
    public static async Task<WorkerHost> StartAsync(IReadOnlyDictionary<string, string?>? settings = null)
    {
        var builder = Host.CreateApplicationBuilder();
        if (settings is not null) builder.Configuration.AddInMemoryCollection(settings);
        var logs = new LogCapture();
        builder.Logging.AddProvider(logs);
        builder.AddChatDomainForTests();
        builder.AddWorker();
        var host = builder.Build();
        await host.StartAsync();
        return new WorkerHost(host, logs);
    }

    public async ValueTask DisposeAsync()
    {
        await _host.StopAsync();
        _host.Dispose();
    }

    public static async Task WaitForChatsAsync(string token, long expected)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (await Database.ScalarAsync<long>("SELECT COUNT(*) FROM chats c JOIN applications a ON a.id = c.application_id WHERE a.token = @token",
                   ("@token", token)) < expected && DateTime.UtcNow < deadline)
            await Task.Delay(50);
    }

    /// <summary>Waits until the application's persisted, live messages reach <paramref name="expected"/>; returns the last count.</summary>
    public static async Task<long> WaitForMessagesAsync(string token, long expected, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        long count;
        while ((count = await Database.ScalarAsync<long>("""
                   SELECT COUNT(*) FROM messages m JOIN chats c ON c.id = m.chat_id JOIN applications a ON a.id = c.application_id
                   WHERE a.token = @token AND m.deleted_at IS NULL
                   """, ("@token", token))) != expected && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        return count;
    }
}

/// <summary>Direct reads of the test database, to check what the worker persisted.</summary>
public static class Database
{
    public static async Task<T> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using var connection = new MySqlConnection(TestServices.MySql);
        await connection.OpenAsync();
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T));
    }

    public static async Task<List<(int Chat, int Number, string Body)>> MessagesAsync(string token, bool includeDeleted = false)
    {
        await using var connection = new MySqlConnection(TestServices.MySql);
        await connection.OpenAsync();
        await using var command = new MySqlCommand($"""
            SELECT c.number, m.number, m.body FROM messages m JOIN chats c ON c.id = m.chat_id JOIN applications a ON a.id = c.application_id
            WHERE a.token = @token {(includeDeleted ? "" : "AND m.deleted_at IS NULL")} ORDER BY c.number, m.number
            """, connection);
        command.Parameters.AddWithValue("@token", token);
        var rows = new List<(int, int, string)>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) rows.Add((reader.GetInt32(0), reader.GetInt32(1), reader.GetString(2)));
        return rows;
    }

    /// <summary>The application's persisted chats, deleted ones included: number → deleted.</summary>
    public static async Task<Dictionary<int, bool>> ChatsAsync(string token)
    {
        await using var connection = new MySqlConnection(TestServices.MySql);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("""
            SELECT c.number, c.deleted_at IS NOT NULL FROM chats c JOIN applications a ON a.id = c.application_id WHERE a.token = @token
            """, connection);
        command.Parameters.AddWithValue("@token", token);
        var chats = new Dictionary<int, bool>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) chats[reader.GetInt32(0)] = reader.GetBoolean(1);
        return chats;
    }
}
