using Chat.Domain.Resilience;
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
        // The database may still be starting (docker compose, dev-up): wait for it, about a minute.
        await Retries.OnTransient(e => e is MySqlConnector.MySqlException, attempts: 29, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2),
                (attempt, _, e) => LogWaiting(log, attempt, e.Message))
            .ExecuteAsync(async _ => await MigrateAsync(host.Services));
        LogDone(log);
        return 0;
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
