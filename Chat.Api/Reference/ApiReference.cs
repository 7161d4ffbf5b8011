using Microsoft.OpenApi;
using Scalar.AspNetCore;

namespace Chat.Api.Reference;

/// <summary>
/// The OpenAPI 3.1 document (<c>/openapi/v1.json</c>, generated from the endpoints' metadata) and the Scalar reference
/// UI over it (<c>/docs</c>). docs/openapi.json is a checked-in copy; <c>scripts/openapi</c> regenerates it.
/// </summary>
public static class ApiReference
{
    public const string DocumentName = "v1";

    public static IHostApplicationBuilder AddApiReference(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(DocumentName, options =>
        {
            options.OpenApiVersion = OpenApiSpecVersion.OpenApi3_1;
            options.AddDocumentTransformer<DocumentShape>();
            options.AddOperationTransformer<ErrorResponses>();
            options.AddOperationTransformer<SecurityRequirements>();
            options.AddSchemaTransformer<RequestBodies>();
        });
        return builder;
    }

    public static void MapApiReference(this IEndpointRouteBuilder app)
    {
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapScalarApiReference("/docs", scalar => scalar
            .WithTitle("Chat platform API")
            .WithOpenApiRoutePattern("/openapi/{documentName}.json"));
    }
}
