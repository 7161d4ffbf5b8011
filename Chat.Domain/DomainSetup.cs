using Chat.Domain.Data;
using Chat.Domain.Messaging;
using Chat.Domain.Redis;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Chat.Domain;

public static class DomainSetup
{
    /// <summary>The adapters both processes share: MySQL, Redis and RabbitMQ, configured and validated at start.</summary>
    public static IHostApplicationBuilder AddChatDomain(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ConnectionStringsOptions>()
            .BindConfiguration(ConnectionStringsOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.AddChatDatabase();
        builder.AddChatRedis();
        builder.AddChatMessaging();
        builder.Services.AddHostedService<Warmup>();
        return builder;
    }
}
