using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;

namespace Chat.Tests.Infrastructure;

/// <summary>
/// One API host over the real services, configured by the environment that TestServices set.
/// <paramref name="settings"/> override configuration keys for this host only (e.g. a low rate limit);
/// everything the host logs is in <see cref="Logs"/>.
/// </summary>
public sealed class ApiFactory(IReadOnlyDictionary<string, string?>? settings = null) : WebApplicationFactory<Program>
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public LogCapture Logs { get; } = new();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
        builder.ConfigureServices(ManyHosts.Tolerate);
        if (settings is null) return;
        builder.ConfigureAppConfiguration(configuration => configuration.AddInMemoryCollection(settings));
        // Also as host settings, which Program's builder sees while it runs: what is read there (the telemetry set-up)
        // is decided before the app configuration above applies.
        foreach (var (key, value) in settings)
            if (value is not null) builder.UseSetting(key, value);
    }

    /// <summary>Creates an application and returns its token: each test works in its own application.</summary>
    public Task<string> CreateApplicationAsync(string name = "test app") => CreateClient().CreateApplicationAsync(name);
}
