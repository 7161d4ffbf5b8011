using System.Net.Http.Json;
using System.Text.Json;
using Chat.Domain.Data;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.Extensions.DependencyInjection;

namespace Chat.Tests.Infrastructure;

/// <summary>One API host over the real services, configured by the environment that TestServices set.</summary>
public sealed class ApiFactory : WebApplicationFactory<Program>
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    protected override void ConfigureWebHost(IWebHostBuilder builder) => builder.ConfigureServices(ManyHostsInOneProcess);

    /// <summary>
    /// Every host has its own MySQL data source, hence its own EF Core internal service provider; past twenty in one
    /// process (the test run starts many hosts) EF Core throws ManyServiceProvidersCreatedWarning. A deployed process
    /// has one host, so only test hosts relax it.
    /// </summary>
    public static void ManyHostsInOneProcess(IServiceCollection services) =>
        services.ConfigureDbContext<ChatDbContext>(o => o.ConfigureWarnings(w => w.Ignore(CoreEventId.ManyServiceProvidersCreatedWarning)));

    /// <summary>Creates an application and returns its token: each test works in its own application.</summary>
    public async Task<string> CreateApplicationAsync(string name = "test app")
    {
        using var response = await CreateClient().PostAsJsonAsync("/applications", new { name });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }
}
