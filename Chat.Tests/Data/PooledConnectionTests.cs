using Chat.Domain.Data;
using Chat.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using MySqlConnector;

namespace Chat.Tests.Data;

/// <summary>
/// The API takes MySQL connections from its pool without resetting their sessions (it leaves no session state, and the
/// reset cost MariaDB as much as a history page's count reads: docs/benchmarks.md); the worker keeps the reset, and a
/// deployment's own `Connection Reset` wins over both.
/// </summary>
public sealed class PooledConnectionTests
{
    private static bool Resets(IServiceProvider services) =>
        new MySqlConnectionStringBuilder(services.GetRequiredService<MySqlDataSource>().ConnectionString).ConnectionReset;

    [Test]
    public async Task TheApiSkipsTheSessionResetAndTheWorkerKeepsIt()
    {
        await using var api = new ApiFactory();
        await using var worker = await WorkerHost.StartAsync();
        Assert.That(Resets(api.Services), Is.False, "API");
        Assert.That(Resets(worker.Services), Is.True, "worker");
    }

    [Test]
    public async Task ASessionLeftBehindByOneUseOfAnApiConnectionIsWhatTheNextUseFinds()
    {
        await using var api = new ApiFactory();
        var database = api.Services.GetRequiredService<MySqlDataSource>();
        long first;
        await using (var connection = await database.OpenConnectionAsync())
        {
            first = await ScalarAsync<long>(connection, "SELECT CONNECTION_ID()");
            await ScalarAsync<long>(connection, "SELECT @left_behind := 42");
        }
        await using var again = await database.OpenConnectionAsync();
        Assume.That(await ScalarAsync<long>(again, "SELECT CONNECTION_ID()"), Is.EqualTo(first), "the pool handed back the same session");
        Assert.That(await ScalarAsync<object>(again, "SELECT @left_behind"), Is.EqualTo(42), "not reset: why the API must never leave session state");
    }

    [Test]
    public void ADeploymentsOwnSettingWins()
    {
        Assert.That(new MySqlConnectionStringBuilder(DatabaseSetup.ConnectionString("Server=db;Connection Reset=true", resetPooledConnections: false)).ConnectionReset, Is.True);
        Assert.That(new MySqlConnectionStringBuilder(DatabaseSetup.ConnectionString("Server=db;Connection Reset=false")).ConnectionReset, Is.False);
    }

    private static async Task<T> ScalarAsync<T>(MySqlConnection connection, string sql)
    {
        await using var command = new MySqlCommand(sql, connection);
        return (T)Convert.ChangeType((await command.ExecuteScalarAsync())!, typeof(T));
    }
}
