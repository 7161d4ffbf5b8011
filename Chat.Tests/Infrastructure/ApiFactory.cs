using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Chat.Tests.Infrastructure;

/// <summary>One API host over the real services, configured by the environment that TestServices set.</summary>
public sealed class ApiFactory : WebApplicationFactory<Program>
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    /// <summary>Creates an application and returns its token: each test works in its own application.</summary>
    public async Task<string> CreateApplicationAsync(string name = "test app")
    {
        using var response = await CreateClient().PostAsJsonAsync("/applications", new { name });
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("token").GetString()!;
    }
}
