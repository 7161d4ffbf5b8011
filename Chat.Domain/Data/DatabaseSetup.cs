using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Chat.Domain.Data;

public static class DatabaseSetup
{
    public static IHostApplicationBuilder AddChatDatabase(this IHostApplicationBuilder builder)
    {
        // One pooled data source per process: raw set-based SQL (worker batches, number blocks) and EF share it.
        builder.Services.AddSingleton(sp => new MySqlDataSourceBuilder(
            ConnectionString(sp.GetRequiredService<IOptions<ConnectionStringsOptions>>().Value.MySql)).Build());
        builder.Services.AddSingleton<DatabaseServerVersion>();
        builder.Services.AddPooledDbContextFactory<ChatDbContext>((sp, options) => options
            .UseMySql(sp.GetRequiredService<MySqlDataSource>(), sp.GetRequiredService<DatabaseServerVersion>().Get())
            .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking));
        builder.Services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<ChatDbContext>>().CreateDbContext());
        return builder;
    }

    /// <summary>
    /// Guids are binary(16) for EF and raw SQL alike; the other two settings are what Pomelo requires of a
    /// data source it shares.
    /// </summary>
    public static string ConnectionString(string configured) => new MySqlConnectionStringBuilder(configured)
    {
        GuidFormat = MySqlGuidFormat.Binary16,
        AllowUserVariables = true,
        UseAffectedRows = false,
    }.ConnectionString;
}

/// <summary>
/// The server's version, asked once: the same migrations then emit valid SQL for MySQL 8 and MariaDB 10.11.
/// Asked lazily, so a process starts even while the database is still coming up.
/// </summary>
public sealed class DatabaseServerVersion(MySqlDataSource dataSource)
{
    private ServerVersion? _version;

    public ServerVersion Get() => _version ??= Detect();

    private ServerVersion Detect()
    {
        using var connection = dataSource.OpenConnection();
        return ServerVersion.Parse(connection.ServerVersion);
    }
}
