using System.Globalization;
using System.Threading.RateLimiting;
using System.ComponentModel.DataAnnotations;
using Chat.Contracts;
using Chat.Domain;
using Chat.Api.Shared;
using Microsoft.AspNetCore.HttpOverrides;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace Chat.Api.RateLimiting;

/// <summary>
/// The <c>RateLimit</c> section: a token bucket per application token, in each API replica. A token stands for a
/// customer's whole application (all its users), so the defaults are generous; they stop one tenant from
/// starving the others, not a chatty user.
/// </summary>
public sealed class RateLimitOptions
{
    public const string Section = "RateLimit";

    /// <summary>Sustained requests per second per token. The bucket refills every 100 ms, so above 10 in steps of 10.</summary>
    [Range(1, 1_000_000)]
    public int PermitsPerSecond { get; set; } = 1000;

    /// <summary>Requests a token may send at once after a quiet spell (the bucket's size).</summary>
    [Range(1, 10_000_000)]
    public int Burst { get; set; } = 2000;

    /// <summary>Applications one client address may create per minute, per replica (nginx limits the same in front).</summary>
    [Range(1, 1_000_000)]
    public int ApplicationsPerMinute { get; set; } = 10;

    /// <summary>Applications one client address may create at once after a quiet spell.</summary>
    [Range(1, 1_000_000)]
    public int ApplicationsBurst { get; set; } = 20;
}

/// <summary>
/// Limits requests per application token, taken from the route (<c>{token}</c>): behind nginx every client has the
/// proxy's address, and a token stands for one customer. Creating an application names no token: it is limited per
/// client address (<see cref="RateLimitPolicies.PerClientAddress"/>), the address nginx forwards. Over a limit: 429 with
/// <c>Retry-After</c> and a problem body (ASP.NET's default would be a bare 503). Health and admin routes are not limited.
/// </summary>
public static class RateLimits
{
    private const string MalformedTokens = "(malformed)";
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(100);

    public static IHostApplicationBuilder AddRateLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<RateLimitOptions>(RateLimitOptions.Section);
        builder.Services.AddRateLimiter(limiter =>
        {
            limiter.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(PartitionByToken);
            limiter.AddPolicy(RateLimitPolicies.PerClientAddress, PartitionByClientAddress);
            limiter.OnRejected = RejectAsync;
        });
        // The client address is the one nginx puts in X-Forwarded-For, believed only from a proxy on loopback or a private
        // network (compose's): the API replicas are never reachable from anywhere else.
        builder.Services.Configure<ForwardedHeadersOptions>(forwarded =>
        {
            forwarded.ForwardedHeaders = ForwardedHeaders.XForwardedFor;
            forwarded.ForwardLimit = 1;
            foreach (var network in new[] { "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7" })
                forwarded.KnownIPNetworks.Add(System.Net.IPNetwork.Parse(network));
        });
        return builder;
    }

    /// <summary>After routing (which WebApplication adds first), so the route's token is known.</summary>
    public static void UseRateLimits(this IApplicationBuilder app)
    {
        app.UseForwardedHeaders();
        app.UseRateLimiter();
        app.Use((http, next) =>
        {
            AnnounceQuota(http, rejected: false);
            return next(http);
        });
    }

    /// <summary>
    /// <c>RateLimit-Limit/Remaining/Reset</c> (IETF draft "RateLimit header fields for HTTP") on answers scoped by a token,
    /// so a client can slow down before a 429: the bucket's size, the permits left after this request, and the seconds
    /// until the bucket is full again.
    /// </summary>
    private static void AnnounceQuota(HttpContext http, bool rejected)
    {
        if (http.GetRouteValue("token") is not string) return;
        var limiter = http.RequestServices.GetRequiredService<IOptions<RateLimiterOptions>>().Value.GlobalLimiter;
        if (limiter?.GetStatistics(http) is not { } statistics) return;
        var options = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        var remaining = rejected ? 0 : Math.Max(0, statistics.CurrentAvailablePermits);
        var reset = (int)Math.Ceiling((double)(options.Burst - remaining) / options.PermitsPerSecond);
        var headers = http.Response.Headers;
        headers["RateLimit-Limit"] = options.Burst.ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Remaining"] = remaining.ToString(CultureInfo.InvariantCulture);
        headers["RateLimit-Reset"] = Math.Max(0, reset).ToString(CultureInfo.InvariantCulture);
    }

    private static RateLimitPartition<string> PartitionByClientAddress(HttpContext http)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        return RateLimitPartition.GetTokenBucketLimiter(http.Connection.RemoteIpAddress?.ToString() ?? "", _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.ApplicationsBurst,
            TokensPerPeriod = Math.Max(1, options.ApplicationsPerMinute / 10),
            ReplenishmentPeriod = TimeSpan.FromMinutes(1.0 / Math.Min(10, options.ApplicationsPerMinute)),
            QueueLimit = 0,
            AutoReplenishment = false,
        });
    }

    private static RateLimitPartition<string> PartitionByToken(HttpContext http)
    {
        if (http.GetRouteValue("token") is not string token) return RateLimitPartition.GetNoLimiter("");
        var options = http.RequestServices.GetRequiredService<IOptions<RateLimitOptions>>().Value;
        // Strings that cannot be tokens share one bucket, so made-up values cannot grow the partitions without bound.
        var key = ApplicationToken.IsWellFormed(token) ? token : MalformedTokens;
        return RateLimitPartition.GetTokenBucketLimiter(key, _ => Bucket(options));
    }

    private static TokenBucketRateLimiterOptions Bucket(RateLimitOptions options)
    {
        // Refilled by the partitioned limiter's own 100 ms timer (no timer per token): below 10/s one token
        // per 1/rate seconds, above it rate/10 tokens per tick.
        var perTick = Math.Max(1, options.PermitsPerSecond / 10);
        var period = options.PermitsPerSecond >= 10 ? Tick : TimeSpan.FromSeconds(1.0 / options.PermitsPerSecond);
        return new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.Burst,
            TokensPerPeriod = perTick,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = false,
        };
    }

    private static async ValueTask RejectAsync(OnRejectedContext context, CancellationToken ct)
    {
        var http = context.HttpContext;
        var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
        var seconds = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
        http.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        AnnounceQuota(http, rejected: true);
        await TypedResults.Problem(statusCode: StatusCodes.Status429TooManyRequests, title: "Too many requests",
            detail: http.GetRouteValue("token") is null
                ? $"Too many requests from this address; retry in {seconds} s."
                : $"This application is sending requests faster than its limit; retry in {seconds} s.").ExecuteAsync(http);
    }
}
