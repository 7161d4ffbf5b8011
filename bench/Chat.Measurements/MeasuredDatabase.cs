using Chat.Domain;
using Chat.Worker.Migrations;
using Microsoft.Extensions.Hosting;
using MySqlConnector;

namespace Chat.Measurements;

/// <summary>
/// Once per run: the database the script named (ConnectionStrings__*) exists and has the current schema. Unlike the
/// test suite's set-up it drops and flushes nothing: generated data is kept for the next run.
/// </summary>
[SetUpFixture]
public sealed class MeasuredDatabase
{
    public static string MySql => Environment.GetEnvironmentVariable("ConnectionStrings__MySql")
        ?? throw new InvalidOperationException("Run the measurements with their bench/ script: it sets ConnectionStrings__*.");

    [OneTimeSetUp]
    public async Task MigrateAsync()
    {
        var builder = new MySqlConnectionStringBuilder(MySql);
        var database = builder.Database;
        builder.Database = "";
        await using (var connection = new MySqlConnection(builder.ConnectionString))
        {
            await connection.OpenAsync();
            await using var command = new MySqlCommand(
                $"CREATE DATABASE IF NOT EXISTS `{database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci", connection);
            await command.ExecuteNonQueryAsync();
        }
        var host = Host.CreateApplicationBuilder();
        host.AddChatDomain();
        using var services = host.Build();
        await Migrator.MigrateAsync(services.Services);
    }
}
