using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using MySqlConnector;

namespace Chat.Domain.Data;

public static class DatabaseSetup
{
    /// <param name="resetPooledConnections">false: a connection taken from the pool keeps its session as the last user
    /// left it (see <see cref="ConnectionString"/>).</param>
    public static IHostApplicationBuilder AddChatDatabase(this IHostApplicationBuilder builder, bool resetPooledConnections)
    {
        // One pooled data source per process: raw set-based SQL (worker batches, number blocks) and EF share it.
        builder.Services.AddSingleton(sp => new MySqlDataSourceBuilder(
            ConnectionString(sp.GetRequiredService<IOptions<ConnectionStringsOptions>>().Value.MySql, resetPooledConnections)).Build());
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
    public static string ConnectionString(string configured, bool resetPooledConnections = true)
    {
        var builder = new MySqlConnectionStringBuilder(configured)
        {
            GuidFormat = MySqlGuidFormat.Binary16,
            AllowUserVariables = true,
            UseAffectedRows = false,
        };
        // MySqlConnector's default of 100 per process would let 3 API replicas and a worker exceed MySQL's
        // default max_connections (151); a burst waits for a pooled connection instead. Set it to override.
        // (ContainsKey knows each option's other spellings, e.g. MaxPoolSize.)
        if (!builder.ContainsKey("Maximum Pool Size")) builder.MaximumPoolSize = 32;
        // MySqlConnector resets a pooled connection's session each time it is taken (COM_RESET_CONNECTION and SET NAMES),
        // a fifth of MariaDB's CPU per history page (docs/benchmarks.md). Skipping it is safe where
        // no code leaves session state behind (no SET, no user variables, no temporary tables; transactions are
        // MySqlTransactions, rolled back when disposed), which holds for the API's reads. The price: a connection
        // the server dropped (it restarted) is found out at its first statement, a 503, not when it is taken.
        if (!resetPooledConnections && !builder.ContainsKey("Connection Reset")) builder.ConnectionReset = false;
        return builder.ConnectionString;
    }
}
