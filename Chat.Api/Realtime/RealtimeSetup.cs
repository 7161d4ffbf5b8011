using System.Text.Json;
using Chat.Api.Shared;
using Chat.Domain;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.SignalR.StackExchangeRedis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Chat.Api.Realtime;

public static class RealtimeSetup
{
    public const string HubPath = "/hubs/chat";

    /// <summary>The SignalR hub with the Redis backplane, so an event raised on any replica reaches every client.</summary>
    public static IHostApplicationBuilder AddRealtime(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<RealtimeOptions>(RealtimeOptions.Section);
        builder.Services.AddSignalR()
            .AddJsonProtocol(o => o.PayloadSerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower)
            .AddStackExchangeRedis();
        builder.Services.AddOptions<RedisOptions>().Configure<IOptions<ConnectionStringsOptions>>((redis, connections) =>
        {
            redis.Configuration = ConfigurationOptions.Parse(connections.Value.Redis);
            redis.Configuration.AbortOnConnectFail = false;
            // Pub/sub channels are server-wide, not per logical database: deployments (and test runs) that share a
            // Redis server on different databases must not hear each other's events.
            redis.Configuration.ChannelPrefix = RedisChannel.Literal($"chat-hubs:{redis.Configuration.DefaultDatabase ?? 0}");
        });
        builder.Services.AddSingleton<IChatEvents, ChatEvents>();
        builder.Services.AddSingleton<PresenceStore>();
        builder.Services.AddSingleton<PresenceTracker>();
        builder.Services.AddHostedService<PresenceHeartbeat>();
        return builder;
    }

    public static void MapRealtime(this IEndpointRouteBuilder app)
    {
        app.MapHub<ChatHub>(HubPath);
        app.MapApplicationGroup("/users/{user}/presence").WithTags("Presence")
            .MapGet("/", Presence).WithName("GetPresence")
            .WithSummary("Online while connected to the hub as a member; last_seen_at otherwise");
    }

    private static async Task<Results<Ok<PresenceResponse>, NotFound>> Presence(RequestContext request, string user, PresenceStore presence)
    {
        if (!UserIds.IsWellFormed(user)) return TypedResults.NotFound();
        var (online, lastSeenAt) = await presence.ReadAsync(request.App.Id, user);
        return TypedResults.Ok(new PresenceResponse(user, online, lastSeenAt));
    }
}

public sealed record PresenceResponse(string User, bool Online, DateTime? LastSeenAt);
