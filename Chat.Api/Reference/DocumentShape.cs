using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Chat.Api.Reference;

/// <summary>
/// What the document says once, not per operation: its title, the three credentials as security schemes, and the health
/// probes (health checks are not route handlers, so the generator does not see them).
/// </summary>
internal sealed class DocumentShape : IOpenApiDocumentTransformer
{
    public const string ServerSecret = "server_secret";
    public const string UserToken = "user_token";
    public const string AdminKey = "admin_key";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken ct)
    {
        document.Info = new OpenApiInfo
        {
            Title = "Chat platform API",
            Version = "v1",
            Description = """
                Applications, chats, messages, members, receipts, search, a change feed and webhooks.
                Credentials: the **application token** in the path (`{token}`) is the public id of an application and, in
                `open` mode, enough on its own (OpenAPI has no path-located security scheme, so operations list it as the
                empty requirement `{}`); the **application secret** (`server_secret`) is the server role; a **user token**
                (`user_token`, an HS256 JWT signed with the secret) acts as one end user. In `user_tokens` mode the path
                token alone is 401. Errors are `application/problem+json` (RFC 9457). The real-time hub (`/hubs/chat`,
                SignalR) is described in the README: OpenAPI has no place for its methods and events.
                """,
        };
        // The document is the same wherever it is served from (and so can be checked in): clients use their own base URL.
        document.Servers = [];
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>
        {
            [ServerSecret] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "bearer",
                Description = "The application secret (server role): returned once by POST /applications and by rotation.",
            },
            [UserToken] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http, Scheme = "bearer", BearerFormat = "JWT",
                Description = "A user token: HS256 JWT {sub, exp, iat} signed with the application secret; acts as user `sub`.",
            },
            [AdminKey] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey, In = ParameterLocation.Header, Name = "X-Admin-Key",
                Description = "The operator's key (Admin__ApiKey) for admin endpoints.",
            },
        };
        document.Paths.Add("/health/live", Probe("Liveness: 200 while the process runs"));
        document.Paths.Add("/health/ready", Probe("Readiness: MySQL, Redis, RabbitMQ and search; 503 when one is down"));
        return Task.CompletedTask;
    }

    private static OpenApiPathItem Probe(string summary) => new()
    {
        Operations = new Dictionary<HttpMethod, OpenApiOperation>
        {
            [HttpMethod.Get] = new()
            {
                Summary = summary,
                Tags = new HashSet<OpenApiTagReference> { new("Health") },
                Responses = new OpenApiResponses
                {
                    ["200"] = new OpenApiResponse { Description = "Healthy" },
                    ["503"] = new OpenApiResponse { Description = "Unhealthy" },
                },
            },
        },
    };
}
