using System.Diagnostics;
using System.Net.Http.Json;
using System.Reflection;
using System.Text.Json;
using Chat.Api.Shared;
using Chat.Api.Shared.Identity;
using Chat.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Measurements;

/// <summary>
/// What verifying a user token costs a request (bench/credential): the caller identification every route group runs
/// (<see cref="CallerAuthentication.IdentifyAsync"/>: JwtBearer with the application's secrets as keys, then the lifetime
/// and revocation checks), timed alone on one thread of an API host over the real services, less the same loop without
/// it. bench/run gives the CPU one created message costs the whole machine; on a CPU-bound host the quotient of the
/// two is the share of creation throughput a user token costs, which the creation rows cannot resolve on 2 shared cores.
/// </summary>
public sealed class CredentialMeasurement
{
    private const int Requests = 20_000;
    private const int Rounds = 5;

    [Test]
    public async Task UserTokenVerificationPerRequest()
    {
        await using var api = new ApiFactory();
        using var created = await api.CreateClient().PostAsJsonAsync("/applications", new { name = "credential", auth_mode = "user_tokens" });
        var body = await created.Content.ReadFromJsonAsync<JsonElement>();
        var token = body.GetProperty("token").GetString()!;
        var jwt = UserTokens.For(body.GetProperty("secret").GetString()!, "alice");
        var app = await api.Services.GetRequiredService<ApplicationDirectory>().FindAsync(token) ?? throw new InvalidOperationException("no application");
        var accessor = api.Services.GetRequiredService<IHttpContextAccessor>();
        // The route group resolves the application before it identifies the caller; only it may, so reflection here.
        var resolve = typeof(RequestContext).GetMethod("Resolve", BindingFlags.Instance | BindingFlags.NonPublic)!;

        async Task<double> MicrosecondsPerRequestAsync(bool identify)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < Requests; i++)
            {
                await using var scope = api.Services.CreateAsyncScope();
                var http = new DefaultHttpContext { RequestServices = scope.ServiceProvider };
                http.Request.Headers.Authorization = "Bearer " + jwt;
                accessor.HttpContext = http;
                var request = scope.ServiceProvider.GetRequiredService<RequestContext>();
                resolve.Invoke(request, [app, null]);
                if (identify && await CallerAuthentication.IdentifyAsync(http, request) is not null)
                    throw new InvalidOperationException("The user token was refused.");
            }
            return clock.Elapsed.TotalMicroseconds / Requests;
        }

        // Warm-up: the application's key, and the JIT's tiers (the first 40,000 run several times slower).
        for (var pass = 0; pass < 3; pass++) await MicrosecondsPerRequestAsync(identify: true);
        var costs = new List<double>();
        for (var round = 1; round <= Rounds; round++)
        {
            var harness = await MicrosecondsPerRequestAsync(identify: false);
            var total = await MicrosecondsPerRequestAsync(identify: true);
            costs.Add(total - harness);
            TestContext.Out.WriteLine($"round {round}: {total:0.0} µs with the user token verified, {harness:0.0} µs without: {total - harness:0.0} µs");
        }
        costs.Sort();
        TestContext.Out.WriteLine($"USER_TOKEN_VERIFICATION median {costs[Rounds / 2]:0.0} µs per request " +
                                  $"(rounds {string.Join(", ", costs.Select(c => c.ToString("0.0")))}; load {File.ReadAllText("/proc/loadavg").Split(' ')[0]})");
    }
}
