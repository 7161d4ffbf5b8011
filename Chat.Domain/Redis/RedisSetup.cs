using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Chat.Domain.Redis;

public static class RedisSetup
{
    public static IHostApplicationBuilder AddChatRedis(this IHostApplicationBuilder builder)
    {
        // One multiplexer per process; it pipelines every concurrent command over one connection.
        builder.Services.AddSingleton<IConnectionMultiplexer>(sp =>
        {
            var options = ConfigurationOptions.Parse(sp.GetRequiredService<IOptions<ConnectionStringsOptions>>().Value.Redis);
            options.AbortOnConnectFail = false; // start even while Redis is down; /health/ready says so
            // Generous enough for a loaded machine; a request still fails well before a client gives up.
            options.ConnectTimeout = 5000;
            options.SyncTimeout = options.AsyncTimeout = 5000;
            return ConnectionMultiplexer.Connect(options);
        });
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IConnectionMultiplexer>().GetDatabase());
        builder.Services.AddSingleton<RedisCache>();
        builder.Services.AddSingleton<Numbers.NumberAllocator>();
        builder.Services.AddSettings<Numbers.NumberingOptions>(Numbers.NumberingOptions.Section);
        return builder;
    }
}
