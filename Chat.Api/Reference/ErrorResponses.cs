using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Chat.Api.Reference;

/// <summary>
/// The problem+json answers every operation can give, added by rule in one place instead of on each of the endpoints:
/// the route group filters, the rate limiter, the body binder and the exception handler produce them, not the handlers.
/// </summary>
internal sealed class ErrorResponses : IOpenApiOperationTransformer
{
    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        // "applications/" for MapPost("/") on the /applications group.
        var path = context.Description.RelativePath?.TrimEnd('/') ?? "";
        var hasBody = operation.RequestBody is not null;
        var errors = new List<(int Status, string Why)>();
        if (hasBody || operation.Parameters is { Count: > 0 })
            errors.Add((400, "Malformed JSON, a bad query parameter or path segment"));
        if (ApplicationScoped(path))
            errors.AddRange([(401, "A missing, bad or expired credential (or the path token alone in user_tokens mode)"),
                (403, "The credential may not do this (e.g. a user token acting for another user)"),
                (404, "Unknown or malformed token, unknown number, or a chat the user token may not read"),
                (429, "The application's rate limit is spent; see Retry-After")]);
        else if (path.StartsWith("admin/", StringComparison.Ordinal) || (path == "applications" && context.Description.HttpMethod == "GET"))
            errors.AddRange([(401, "No admin key"), (403, "Wrong admin key")]);
        else if (path == "applications")
            errors.Add((429, "Too many applications created from this address; see Retry-After"));
        if (hasBody)
            errors.AddRange([(413, "Body larger than 64 KiB"), (415, "Not JSON, a form or multipart"), (422, "Validation failed; see errors")]);
        errors.Add((503, "A dependency is down; retry after Retry-After"));

        var problem = await ReferenceAsync<ProblemDetails>(context, ct);
        var validation = await ReferenceAsync<HttpValidationProblemDetails>(context, ct);
        operation.Responses ??= new OpenApiResponses();
        foreach (var (status, why) in errors)
        {
            var key = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!operation.Responses.TryGetValue(key, out var response))
                operation.Responses[key] = response = new OpenApiResponse { Description = why };
            if (response is OpenApiResponse { Content: null or { Count: 0 } } bare)
                bare.Content = new Dictionary<string, OpenApiMediaType>
                {
                    ["application/problem+json"] = new() { Schema = status == 422 ? validation : problem },
                };
        }
    }

    internal static bool ApplicationScoped(string path) => path.StartsWith("applications/{token}", StringComparison.Ordinal);

    private static async Task<IOpenApiSchema> ReferenceAsync<T>(OpenApiOperationTransformerContext context, CancellationToken ct)
    {
        var name = typeof(T).Name;
        var document = context.Document!;
        if (document.Components?.Schemas?.ContainsKey(name) != true)
            document.AddComponent(name, await context.GetOrCreateSchemaAsync(typeof(T), null, ct));
        return new OpenApiSchemaReference(name, document);
    }
}
