using System.Text.Json;
using StackExchange.Redis;

namespace Chat.Bench.Server;

/// <summary>
/// The least a durable queued write can do: take a number with one Redis INCR, then publish a persistent
/// message to a quorum queue and wait for the broker's confirm. No lookups, no pending state, no validation
/// beyond "a body is there": the product's creation throughput is reported as a share of this.
/// </summary>
public static class Ceiling
{
    public static IHostApplicationBuilder AddCeiling(this IHostApplicationBuilder builder)
    {
        var redis = builder.Configuration.GetConnectionString("Redis") ?? throw new InvalidOperationException("ConnectionStrings:Redis is required");
        // Like the product's: keep retrying instead of failing for good when the first connect is slow.
        var options = ConfigurationOptions.Parse(redis);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = options.SyncTimeout = options.AsyncTimeout = 5000;
        builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
        builder.Services.AddSingleton(sp => sp.GetRequiredService<IConnectionMultiplexer>().GetDatabase());
        builder.Services.AddSingleton<ConfirmedPublisher>();
        return builder;
    }

    public static void MapCeiling(this IEndpointRouteBuilder app) =>
        app.MapPost("/ceiling/chats/{chat:int}/messages", CreateAsync);

    private static async Task<IResult> CreateAsync(int chat, MessageRequest request, IDatabase redis, ConfirmedPublisher publisher,
        CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(request.Body)) return TypedResults.UnprocessableEntity();
        var number = await redis.StringIncrementAsync($"bench:ceiling:{chat}");
        var created = new MessageCreated(number, request.Body, DateTime.UtcNow);
        // About the size of the product's MessageChanged command.
        var command = JsonSerializer.SerializeToUtf8Bytes(new { command_id = Guid.NewGuid(), chat, uid = Guid.NewGuid(), message = created });
        await publisher.PublishAsync(command, ct);
        return TypedResults.Created($"/ceiling/chats/{chat}/messages/{number}", created);
    }
}
