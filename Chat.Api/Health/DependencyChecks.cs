using Chat.Domain.Messaging;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using MySqlConnector;
using StackExchange.Redis;

namespace Chat.Api.Health;

internal sealed class MySqlCheck(MySqlDataSource database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var ping = connection.CreateCommand();
        ping.CommandText = "SELECT 1";
        await ping.ExecuteScalarAsync(ct);
        return HealthCheckResult.Healthy();
    }
}

internal sealed class RedisCheck(IDatabase redis) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        HealthCheckResult.Healthy($"ping {(await redis.PingAsync()).TotalMilliseconds:0.0} ms");
}

internal sealed class RabbitMqCheck(RabbitMqConnection broker) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default) =>
        (await broker.GetAsync(ct)).IsOpen ? HealthCheckResult.Healthy() : HealthCheckResult.Unhealthy("connection closed");
}
