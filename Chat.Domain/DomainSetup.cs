using Chat.Domain.Security;
using Chat.Domain.Webhooks;
using Chat.Domain.Data;
using Chat.Domain.Messaging;
using Chat.Domain.Pipeline;
using Chat.Domain.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Chat.Domain;

public static class DomainSetup
{
    /// <summary>The adapters both processes share: MySQL, Redis, RabbitMQ and the write pipeline, configured and validated at start.</summary>
    /// <param name="resetPooledConnections">Whether MySQL sessions are reset when taken from the pool (DatabaseSetup.ConnectionString).</param>
    public static IHostApplicationBuilder AddChatDomain(this IHostApplicationBuilder builder, bool resetPooledConnections = true)
    {
        builder.Services.AddSettings<ConnectionStringsOptions>(ConnectionStringsOptions.Section);
        // The clock every new state's version comes from; tests may replace it.
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddChatDatabase(resetPooledConnections);
        builder.AddChatRedis();
        builder.AddChatMessaging();
        builder.Services.AddSingleton<Versions>();
        builder.Services.AddSingleton<PendingStore>();
        builder.Services.AddSingleton<FeedPositions>();
        builder.Services.AddSingleton<MergedReader>();
        builder.Services.AddSingleton<Acceptance>();
        // Opened where it is used: a process that seals or opens nothing needs no key.
        builder.Services.AddOptions<SealingOptions>().BindConfiguration(SealingOptions.Section);
        builder.Services.TryAddSingleton<SecretBox>();
        builder.AddWebhookSettings();
        builder.Services.AddHostedService<Warmup>();
        return builder;
    }
}
