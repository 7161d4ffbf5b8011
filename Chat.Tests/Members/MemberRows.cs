using Chat.Tests.Infrastructure;
using MySqlConnector;
using StackExchange.Redis;

namespace Chat.Tests.Members;

/// <summary>What the worker persisted into chat_members, and the Redis keys of an application, for assertions.</summary>
public static class MemberRows
{
    public sealed record Row(int Chat, string User, int DeliveredUpTo, int ReadUpTo, bool Left);

    public static async Task<List<Row>> OfAsync(string token)
    {
        await using var connection = new MySqlConnection(TestServices.MySql);
        await connection.OpenAsync();
        await using var command = new MySqlCommand("""
            SELECT c.number, m.user_id, m.delivered_up_to, m.read_up_to, m.left_at IS NOT NULL
            FROM chat_members m JOIN chats c ON c.id = m.chat_id JOIN applications a ON a.id = c.application_id
            WHERE a.token = @token ORDER BY c.number, m.user_id
            """, connection);
        command.Parameters.AddWithValue("@token", token);
        var rows = new List<Row>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            rows.Add(new Row(reader.GetInt32(0), reader.GetString(1), reader.GetInt32(2), reader.GetInt32(3), reader.GetBoolean(4)));
        return rows;
    }

    public static Task<long> ApplicationIdAsync(string token) =>
        Database.ScalarAsync<long>("SELECT id FROM applications WHERE token = @token", ("@token", token));

    private static ConnectionMultiplexer? _redis;

    /// <summary>The test run's Redis database (one connection for the whole run).</summary>
    public static async Task<IDatabase> RedisAsync() => (_redis ??= await ConnectionMultiplexer.ConnectAsync(TestServices.Redis)).GetDatabase();
}
