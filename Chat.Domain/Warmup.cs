using Chat.Domain.Data;
using Chat.Domain.Messaging;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Chat.Domain;

/// <summary>
/// Builds the EF model and opens the MySQL, Redis and RabbitMQ connections before the process serves.
/// Otherwise the first burst of requests after a start all block on EF's one-time model build and starve
/// the thread pool (seen as Redis time-outs). A dependency that is down does not stop the start.
/// </summary>
internal sealed partial class Warmup(IServiceProvider services, ILogger<Warmup> log) : IHostedService
{
    public async Task StartAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        await Task.WhenAll(
            Try("mysql", async () =>
            {
                await using var db = await services.GetRequiredService<IDbContextFactory<ChatDbContext>>().CreateDbContextAsync(timeout.Token);
                _ = db.Model;
                await db.Database.OpenConnectionAsync(timeout.Token);
            }),
            Try("redis", () => services.GetRequiredService<IDatabase>().PingAsync()),
            Try("rabbitmq", () => services.GetRequiredService<RabbitMqConnection>().GetAsync(timeout.Token)));
    }

    public Task StopAsync(CancellationToken ct) => Task.CompletedTask;

    private async Task Try(string dependency, Func<Task> warm)
    {
        try
        {
            await warm();
        }
        catch (Exception e)
        {
            LogUnavailable(dependency, e.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Dependency} not reachable at start; continuing: {Reason}")]
    private partial void LogUnavailable(string dependency, string reason);
}
