using Chat.Domain.Webhooks;
using Microsoft.Extensions.Options;

namespace Chat.Worker.Webhooks;

public static class WebhooksSetup
{
    /// <summary>Delivery of the feed to registered webhooks (docs/decisions/0016).</summary>
    public static IHostApplicationBuilder AddWebhookDelivery(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<WebhookAnnouncer>();
        builder.Services.AddSingleton<WebhookDispatcher>();
        builder.Services.AddSingleton<WebhookSender>();
        builder.Services.AddSingleton<WebhookCache>();
        builder.Services.AddSingleton<DeliveryLog>();
        builder.Services.AddHostedService(services => services.GetRequiredService<DeliveryLog>());
        builder.Services.AddHostedService<WebhookConsumer>();
        builder.Services.AddHttpClient(WebhookSender.Client, (services, client) =>
                client.Timeout = services.GetRequiredService<IOptions<WebhookOptions>>().Value.Timeout)
            .ConfigurePrimaryHttpMessageHandler(services =>
            {
                var allowPrivate = services.GetRequiredService<IOptions<WebhookOptions>>().Value.AllowPrivateTargets;
                return new SocketsHttpHandler
                {
                    // Every connection resolves and checks its address (DNS rebinding); redirects are not followed, since
                    // a redirect could lead anywhere: the receiver's answer counts as it is.
                    ConnectCallback = (context, ct) => WebhookTargets.ConnectAsync(context.DnsEndPoint, allowPrivate, ct),
                    AllowAutoRedirect = false,
                    UseCookies = false,
                    PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                };
            })
            // The sender logs each outcome once; the factory's per-request lines would repeat every refused connection.
            .RemoveAllLoggers();
        return builder;
    }
}
