using System.Security.Cryptography;
using System.Text;
using Chat.Domain;
using Microsoft.Extensions.Options;

namespace Chat.Api.Shared;

/// <summary>The <c>Admin</c> section: <c>Admin__ApiKey</c> guards operator endpoints.</summary>
public sealed class AdminOptions
{
    public const string Section = "Admin";
    public const string Header = "X-Admin-Key";

    /// <summary>Empty means no admin endpoint can be used.</summary>
    public string ApiKey { get; set; } = "";
}

public static class AdminKey
{
    public static IHostApplicationBuilder AddAdminKey(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<AdminOptions>(AdminOptions.Section);
        return builder;
    }

    /// <summary>401 without the header, 403 with a wrong key; compared in constant time.</summary>
    public static TBuilder RequireAdminKey<TBuilder>(this TBuilder endpoints) where TBuilder : IEndpointConventionBuilder =>
        endpoints.AddEndpointFilter(async (context, next) => Refusal(context.HttpContext) ?? await next(context));

    /// <summary>The 401 or 403 for a request without the right admin key; null when it has it.</summary>
    public static IResult? Refusal(HttpContext http)
    {
        var expected = http.RequestServices.GetRequiredService<IOptions<AdminOptions>>().Value.ApiKey;
        if (!http.Request.Headers.TryGetValue(AdminOptions.Header, out var given) || string.IsNullOrEmpty(given))
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Admin key required",
                detail: $"Send the admin key in the {AdminOptions.Header} header.");
        if (expected.Length == 0 || !CryptographicOperations.FixedTimeEquals(
                Encoding.UTF8.GetBytes(given.ToString()), Encoding.UTF8.GetBytes(expected)))
            return TypedResults.Problem(statusCode: StatusCodes.Status403Forbidden, title: "Wrong admin key");
        return null;
    }
}
