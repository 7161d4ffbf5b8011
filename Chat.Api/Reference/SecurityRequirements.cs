using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Chat.Api.Reference;

/// <summary>
/// Which credentials each operation accepts (API.md, Authentication). The empty requirement <c>{}</c> stands for the path
/// token alone (open mode): OpenAPI has no security scheme located in the path.
/// </summary>
internal sealed class SecurityRequirements : IOpenApiOperationTransformer
{
    /// <summary>Routes of the server role only: credentials and webhooks.</summary>
    private static readonly string[] ServerOnly = ["/secret/rotate", "/token/rotate", "/webhooks"];

    public Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        // "applications/" for MapPost("/") on the /applications group.
        var path = context.Description.RelativePath?.TrimEnd('/') ?? "";
        var document = context.Document!;
        OpenApiSecurityRequirement Scheme(string name) => new() { [new OpenApiSecuritySchemeReference(name, document)] = [] };

        if (ErrorResponses.ApplicationScoped(path))
            operation.Security = ServerOnly.Any(path.Contains)
                ? [Scheme(DocumentShape.ServerSecret)]
                : [new OpenApiSecurityRequirement(), Scheme(DocumentShape.ServerSecret), Scheme(DocumentShape.UserToken)];
        else if (path.StartsWith("admin/", StringComparison.Ordinal) || (path == "applications" && context.Description.HttpMethod == "GET"))
            operation.Security = [Scheme(DocumentShape.AdminKey)];
        return Task.CompletedTask;
    }
}
