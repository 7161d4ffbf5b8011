using Chat.Domain;
using Chat.Domain.Data;
using Microsoft.EntityFrameworkCore;
using MySqlConnector;

namespace Chat.Worker.Migrations;

/// <summary>
/// The one explicit step that changes the schema (docs/decisions/0002). Replicas never migrate at start-up,
/// so a deployment cannot race itself.
/// </summary>
public static partial class Migrator
{
    public static async Task<int> RunAsync(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(args);
        builder.AddChatDomain();
        using var host = builder.Build();
        var log = host.Services.GetRequiredService<ILoggerFactory>().CreateLogger("Chat.Worker.Migrate");
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await MigrateAsync(host.Services);
                LogDone(log);
                return 0;
            }
            catch (MySqlConnector.MySqlException e) when (attempt < 30)
            {
                // The database may still be starting (docker compose, dev-up): wait for it, briefly.
                LogWaiting(log, attempt, e.Message);
                await Task.Delay(TimeSpan.FromSeconds(2));
            }
        }
    }

    /// <summary>Detects the server (MySQL or MariaDB, and its version) so Pomelo emits that engine's DDL.</summary>
    public static async Task MigrateAsync(IServiceProvider services)
    {
        var dataSource = services.GetRequiredService<MySqlDataSource>();
        await using var connection = await dataSource.OpenConnectionAsync();
        var options = new DbContextOptionsBuilder<ChatDbContext>()
            .UseMySql(dataSource, ServerVersion.Parse(connection.ServerVersion))
            .Options;
        await using var db = new ChatDbContext(options);
        await db.Database.MigrateAsync();
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Database schema is up to date")]
    private static partial void LogDone(ILogger log);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database not reachable yet (attempt {Attempt}): {Reason}")]
    private static partial void LogWaiting(ILogger log, int attempt, string reason);
}
