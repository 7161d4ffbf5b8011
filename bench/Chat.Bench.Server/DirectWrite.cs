using MySqlConnector;

namespace Chat.Bench.Server;

/// <summary>
/// The design simpler implementations use, as a baseline: in the request, lock the chat row
/// (<c>SELECT … FOR UPDATE</c>), take messages_count + 1 as the number, INSERT the message, update the count and
/// commit. Messages of one chat are numbered one transaction at a time, each waiting for the previous commit.
/// Writes into the product's schema (an application and chats that bench/run created with SQL).
/// </summary>
public static class DirectWrite
{
    public static IHostApplicationBuilder AddDirectWrite(this IHostApplicationBuilder builder)
    {
        var mysql = builder.Configuration.GetConnectionString("MySql") ?? throw new InvalidOperationException("ConnectionStrings:MySql is required");
        // 3 instances × 16 stay well below MySQL's 151 connections next to the product's pools (every writer waits
        // for the same row lock anyway), and idle connections go back at once so the product's runs have them.
        var connectionString = new MySqlConnectionStringBuilder(mysql)
        {
            MaximumPoolSize = 16, ConnectionIdleTimeout = 5, GuidFormat = MySqlGuidFormat.Binary16,
        };
        builder.Services.AddSingleton(new MySqlDataSourceBuilder(connectionString.ConnectionString).Build());
        return builder;
    }

    public static void MapDirectWrite(this IEndpointRouteBuilder app) =>
        app.MapPost("/direct/applications/{token}/chats/{chat:int}/messages", CreateAsync);

    private static async Task<IResult> CreateAsync(string token, int chat, MessageRequest request, MySqlDataSource database,
        CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Body)) return TypedResults.UnprocessableEntity();
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);

        await using var find = new MySqlCommand("""
            SELECT c.id, c.messages_count FROM chats c JOIN applications a ON a.id = c.application_id
            WHERE a.token = @token AND c.number = @chat AND c.deleted_at IS NULL FOR UPDATE
            """, connection, transaction);
        find.Parameters.AddWithValue("@token", token);
        find.Parameters.AddWithValue("@chat", chat);
        long chatId;
        int number;
        await using (var reader = await find.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct)) return TypedResults.NotFound();
            chatId = reader.GetInt64(0);
            number = reader.GetInt32(1) + 1;
        }

        var now = DateTime.UtcNow;
        await using var insert = new MySqlCommand("""
            INSERT INTO messages (chat_id, number, uid, body, created_at, updated_at) VALUES (@chat, @number, @uid, @body, @now, @now);
            UPDATE chats SET messages_count = @number WHERE id = @chat;
            """, connection, transaction);
        insert.Parameters.AddWithValue("@chat", chatId);
        insert.Parameters.AddWithValue("@number", number);
        insert.Parameters.AddWithValue("@uid", Guid.NewGuid());
        insert.Parameters.AddWithValue("@body", request.Body);
        insert.Parameters.AddWithValue("@now", now);
        await insert.ExecuteNonQueryAsync(ct);
        await transaction.CommitAsync(ct);
        return TypedResults.Created($"/direct/applications/{token}/chats/{chat}/messages/{number}", new MessageCreated(number, request.Body, now));
    }
}
