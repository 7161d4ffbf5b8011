using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.Extensions.Options;
using JsonOptions = Microsoft.AspNetCore.Http.Json.JsonOptions;

namespace Chat.Api.Compatibility;

/// <summary>
/// Clients written for Rails implementations of this API work unchanged (docs/decisions/0018): they call it under
/// <c>/api/v1</c>, send <c>application/x-www-form-urlencoded</c> or multipart bodies, and wrap parameters in the
/// resource's name (<c>{"message": {"body": …}}</c>, <c>message[body]=…</c>). Each is turned into the documented JSON
/// request before routing or binding, here and nowhere else: the endpoints know only the JSON contract.
/// </summary>
public static partial class RailsClients
{
    public const string AliasPrefix = "/api/v1";

    /// <summary>
    /// Routing again after: the alias (<c>/api/v1/x</c> is <c>/x</c>) must come before it, and a form must look like JSON
    /// to it (routing answers 415 to a content type the endpoint does not accept), while the form's conversion must come
    /// after it: only the endpoint says which body type it binds, and so what a form's fields are.
    /// </summary>
    public static void UseRailsClients(this WebApplication app)
    {
        app.UsePathBase(AliasPrefix);
        app.Use(async (http, next) =>
        {
            if (http.Request.HasFormContentType && !HttpMethods.IsGet(http.Request.Method))
            {
                try
                {
                    http.Items[typeof(IFormCollection)] = await http.Request.ReadFormAsync(http.RequestAborted);
                }
                catch (Exception e) when (e is InvalidDataException or IOException && !http.RequestAborted.IsCancellationRequested)
                {
                    // A multipart body without its boundary, a key past the form limits: the client's mistake, said as such.
                    await TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: "Bad Request",
                        detail: $"The form body cannot be read: {e.Message}").ExecuteAsync(http);
                    return;
                }
                http.Request.ContentType = "application/json";
                // WebApplication has already routed once, before any of our middleware, and its 415 endpoint refused the
                // form: forget that match, so the routing below matches again on the JSON content type.
                http.SetEndpoint(null);
                http.Request.RouteValues.Clear();
            }
            await next(http);
        });
        app.UseRouting();
        app.Use(async (http, next) =>
        {
            if (http.GetEndpoint()?.Metadata.GetMetadata<IAcceptsMetadata>() is { RequestType: { } bodyType }
                && http.Request.ContentLength != 0 && !HttpMethods.IsGet(http.Request.Method))
                await RewriteAsync(http, bodyType);
            await next(http);
        });
    }

    private static async Task RewriteAsync(HttpContext http, Type bodyType)
    {
        var request = http.Request;
        var json = http.RequestServices.GetRequiredService<IOptions<JsonOptions>>().Value.SerializerOptions;
        var wrapper = WrapperName(http);
        JsonObject? body;
        if (http.Items[typeof(IFormCollection)] is IFormCollection form)
            body = FromForm(form, json.GetTypeInfo(bodyType), wrapper);
        else if (request.HasJsonContentType() && await Wrapped(request, wrapper, http.RequestAborted) is { } inner)
            body = inner;
        else return;

        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, json);
        request.Body = new MemoryStream(bytes);
        request.ContentLength = bytes.Length;
    }

    /// <summary>
    /// The Rails wrapper key: the singular of the route's last literal segment, as Rails names it after the controller
    /// (<c>…/messages/{number}</c> → <c>message</c>).
    /// </summary>
    private static string? WrapperName(HttpContext http)
    {
        var pattern = (http.GetEndpoint() as RouteEndpoint)?.RoutePattern;
        var literal = pattern?.PathSegments.LastOrDefault(s => s.IsSimple && s.Parts[0].IsLiteral)?.Parts[0] as Microsoft.AspNetCore.Routing.Patterns.RoutePatternLiteralPart;
        return literal?.Content is { Length: > 1 } name && name.EndsWith('s') ? name[..^1] : literal?.Content;
    }

    /// <summary>The inner object when the JSON body is exactly <c>{"&lt;wrapper&gt;": {…}}</c>; otherwise the body is left as it came.</summary>
    private static async Task<JsonObject?> Wrapped(HttpRequest request, string? wrapper, CancellationToken ct)
    {
        if (wrapper is null) return null;
        request.EnableBuffering();
        var copy = new MemoryStream();
        await request.Body.CopyToAsync(copy, ct);
        request.Body.Position = 0;
        return Unwrap(new ReadOnlyMemory<byte>(copy.GetBuffer(), 0, (int)copy.Length), wrapper);
    }

    private static JsonObject? Unwrap(ReadOnlyMemory<byte> body, string wrapper)
    {
        // Most bodies are not wrapped: look at the first property name before building a document.
        var reader = new Utf8JsonReader(body.Span);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject || !reader.Read()
                || reader.TokenType != JsonTokenType.PropertyName || !reader.ValueTextEquals(wrapper))
                return null;
            return JsonNode.Parse(body.Span) is JsonObject { Count: 1 } outer && outer[wrapper] is JsonObject inner
                ? (JsonObject)inner.DeepClone()
                : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            // (InvalidOperationException: a name that is no valid UTF-16 once unescaped, such as a lone "\ud800".)
            // Not ours to judge: the binder reads the body again and answers 400 with where the JSON breaks.
            return null;
        }
    }

    /// <summary>
    /// A form as the JSON the body type expects: <c>message[body]=hi</c> or <c>body=hi</c> → <c>{"body": "hi"}</c>,
    /// <c>members[]=a&amp;members[]=b</c> → an array, numbers and booleans as JSON numbers and booleans where the type
    /// has them (a value that is not one stays a string, and the binder answers 400 as for JSON).
    /// </summary>
    private static JsonObject FromForm(IFormCollection form, JsonTypeInfo type, string? wrapper)
    {
        var properties = type.Properties.ToDictionary(p => p.Name, p => p.PropertyType);
        var body = new JsonObject();
        foreach (var (key, values) in form)
        {
            var path = KeyParts().Matches(key).Select(m => m.Groups[1].Value).ToList();
            if (path.Count > 1 && path[0] == wrapper) path.RemoveAt(0);
            var name = path.Count > 0 ? path[0] : key;
            if (!properties.TryGetValue(name, out var propertyType)) continue;
            body[name] = Value(propertyType, values.Select(v => v ?? "").ToList());
        }
        return body;
    }

    private static JsonNode? Value(Type type, List<string> values)
    {
        var target = Nullable.GetUnderlyingType(type) ?? type;
        if (target != typeof(string) && typeof(IEnumerable).IsAssignableFrom(target))
            return new JsonArray(values.Select(v => (JsonNode?)JsonValue.Create(v)).ToArray());
        var value = values[^1];
        if ((target == typeof(int) || target == typeof(long)) && long.TryParse(value, out var number)) return JsonValue.Create(number);
        if (target == typeof(bool) && bool.TryParse(value, out var flag)) return JsonValue.Create(flag);
        if (target == typeof(bool) && value is "0" or "1") return JsonValue.Create(value == "1");
        if (target == typeof(JsonElement) || target == typeof(JsonObject))
            try { return JsonNode.Parse(value); } catch (JsonException) { }
        return JsonValue.Create(value);
    }

    /// <summary><c>message[members][]</c> → message, members, (empty).</summary>
    [GeneratedRegex(@"(?:^|\[)([^\[\]]*)\]?")]
    private static partial Regex KeyParts();
}
