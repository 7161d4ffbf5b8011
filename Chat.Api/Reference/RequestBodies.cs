using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Chat.Api.Reference;

/// <summary>
/// Request bodies: examples, keyed by type name (the contracts live in feature folders this one may not import), and no
/// <c>required</c> list. The generator marks every positional record parameter required, but which fields a request
/// needs depends on the operation (a rename sends only <c>name</c>) and is checked by the handler: a missing one is 422.
/// </summary>
internal sealed class RequestBodies : IOpenApiSchemaTransformer
{
    private static readonly Dictionary<string, string> ByType = new()
    {
        ["ApplicationRequest"] = """{"name": "Support desk"}""",
        ["ChatRequest"] = """{"name": "alice and bob", "members": ["alice", "bob"], "distinct": true}""",
        ["MessageRequest"] = """{"body": "Hello, Bob", "sender": "alice"}""",
        ["AddMembersRequest"] = """{"users": ["carol"]}""",
        ["ReceiptRequest"] = """{"user": "bob", "read_up_to": 12}""",
        ["WebhookRequest"] = """{"url": "https://hooks.example.com/chat", "events": ["message.created"]}""",
        ["TokenRotationRequest"] = """{"grace_seconds": 3600}""",
        ["ReplayRequest"] = """{"after_seq": 120}""",
    };

    public Task TransformAsync(OpenApiSchema schema, OpenApiSchemaTransformerContext context, CancellationToken ct)
    {
        if (context.JsonPropertyInfo is not null || !ByType.TryGetValue(context.JsonTypeInfo.Type.Name, out var example))
            return Task.CompletedTask;
        schema.Examples = [JsonNode.Parse(example)!];
        schema.Required = null;
        return Task.CompletedTask;
    }
}
