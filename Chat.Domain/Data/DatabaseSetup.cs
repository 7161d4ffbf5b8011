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
        builder.Services.AddPooledDbContextFactory<ChatDbContext>((sp, options) => options
            .UseMySql(sp.GetRequiredService<MySqlDataSource>(), QueryDialect)
            .UseQueryTrackingBehavior(QueryTrackingBehavior.NoTracking));
        builder.Services.AddScoped(sp => sp.GetRequiredService<IDbContextFactory<ChatDbContext>>().CreateDbContext());
        return builder;
    }

    /// <summary>
    /// The SQL dialect of queries. Fixed rather than detected, so no request ever waits on a synchronous
    /// version probe; the plain queries the processes run are valid on MySQL 8 and MariaDB 10.11 alike (CI runs
    /// them on MariaDB). Migrations, where the engines differ, detect the server (see Migrator).
    /// </summary>
    public static readonly ServerVersion QueryDialect = new MySqlServerVersion(new Version(8, 0, 36));

    /// <summary>
    /// Guids are binary(16) for EF and raw SQL alike; the other two settings are what Pomelo requires of a
    /// data source it shares.
    /// </summary>
    public static string ConnectionString(string configured)
    {
        var builder = new MySqlConnectionStringBuilder(configured)
        {
            GuidFormat = MySqlGuidFormat.Binary16,
            AllowUserVariables = true,
            UseAffectedRows = false,
        };
        // MySqlConnector's default of 100 per process would let 3 API replicas and a worker exceed MySQL's
        // default max_connections (151); a burst waits for a pooled connection instead. Set it to override.
        if (!configured.Contains("Maximum Pool Size", StringComparison.OrdinalIgnoreCase)
            && !configured.Contains("MaxPoolSize", StringComparison.OrdinalIgnoreCase))
            builder.MaximumPoolSize = 32;
        return builder.ConnectionString;
    }
}
