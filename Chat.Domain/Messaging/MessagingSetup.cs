using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Chat.Domain.Messaging;

public static class MessagingSetup
{
    public static IHostApplicationBuilder AddChatMessaging(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<MessagingOptions>(MessagingOptions.Section);
        builder.Services.AddSingleton<RabbitMqConnection>();
        builder.Services.AddSingleton<CommandPublisher>();
        return builder;
    }
}
