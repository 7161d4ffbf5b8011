using System.Text.Json;
using Chat.Api.Shared;
using Chat.Api.Shared.Identity;
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
        builder.Services.AddSingleton<JoinedConnections>();
        builder.Services.AddSingleton<RemovedMembers>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<RemovedMembers>());
        builder.Services.AddHostedService<PresenceHeartbeat>();
        return builder;
    }

    public static void MapRealtime(this WebApplication app)
    {
        app.UseWhen(http => http.Request.Path.StartsWithSegments(HubPath), hub => hub.Use(IdentifyAsync));
        // A connection made with a user token is closed when the token expires.
        app.MapHub<ChatHub>(HubPath, o => o.CloseOnAuthenticationExpiration = true);
        app.MapApplicationGroup("/users/{user}/presence").WithTags("Presence")
            .MapGet("/", Presence).WithName("GetPresence")
            .WithSummary("Online while connected to the hub as a member; last_seen_at otherwise");
    }

    /// <summary>
    /// Every request of a hub connection (negotiate, the WebSocket, each long poll) that presents a credential names its
    /// application (<c>?application=&lt;token&gt;</c>) and is identified as HTTP calls are; a bad credential is a 401 before
    /// any connection exists. Without one, the connection is the application token alone, checked at each <c>Join</c>.
    /// </summary>
    private static async Task IdentifyAsync(HttpContext http, RequestDelegate next)
    {
        if (Credential.IsPresented(http.Request))
        {
            var request = http.RequestServices.GetRequiredService<RequestContext>();
            if (await http.RequestServices.GetRequiredService<ApplicationDirectory>().FindAsync(http.Request.Query["application"].ToString()) is not { } app)
            {
                await CallerAuthentication.Unauthorized(http, "Name the application of the credential: ?application=<token>.").ExecuteAsync(http);
                return;
            }
            request.Resolve(app, null);
            if (await CallerAuthentication.IdentifyAsync(http, request) is { } refused)
            {
                await refused.ExecuteAsync(http);
                return;
            }
        }
        await next(http);
    }

    private static async Task<Results<Ok<PresenceResponse>, NotFound>> Presence(RequestContext request, string user, PresenceStore presence)
    {
        if (!UserIds.IsWellFormed(user)) return TypedResults.NotFound();
        var (online, lastSeenAt) = await presence.ReadAsync(request.App.Id, user);
        return TypedResults.Ok(new PresenceResponse(user, online, lastSeenAt));
    }
}

public sealed record PresenceResponse(string User, bool Online, DateTime? LastSeenAt);
