using System.Net;
using System.Text.Json;

namespace Chat.Domain.Search.Elasticsearch;

/// <summary>Elasticsearch refused a request; retrying the same request will not help.</summary>
public class ElasticsearchException : Exception
{
    public ElasticsearchException(string message, int? status = null, string? errorType = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Status = status;
        ErrorType = errorType;
    }

    /// <summary>HTTP status of the response, or null when none arrived.</summary>
    public int? Status { get; }

    /// <summary>Elasticsearch's <c>error.type</c>, e.g. <c>mapper_parsing_exception</c>.</summary>
    public string? ErrorType { get; }

    /// <summary>The index (or alias) does not exist yet: the worker creates it when it starts.</summary>
    public bool IndexMissing => ErrorType == "index_not_found_exception";

    /// <summary>Too many requests, timeouts and server errors pass; everything else is the request's fault.</summary>
    internal static bool IsTransient(int status) =>
        status is (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests or >= 500;

    /// <summary>Builds the exception for a non-success response from its <c>error</c> object.</summary>
    internal static async Task<ElasticsearchException> FromResponseAsync(
        HttpResponseMessage response, string operation, CancellationToken ct)
    {
        var status = (int)response.StatusCode;
        var body = await response.Content.ReadAsStringAsync(ct);
        var (type, reason) = ReadError(body);
        var message = $"{operation} answered {status} {type}: {reason}";
        return IsTransient(status)
            ? new ElasticsearchUnavailableException(message, status, type)
            : new ElasticsearchException(message, status, type);
    }

    /// <summary>Reads <c>{"error":{"type","reason"}}</c>; the body may also be plain text from a proxy.</summary>
    internal static (string Type, string Reason) ReadError(string body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            return ReadError(document.RootElement);
        }
        catch (JsonException)
        {
            return ("unknown", body.Length > 500 ? body[..500] : body);
        }
    }

    internal static (string Type, string Reason) ReadError(JsonElement container) =>
        container.ValueKind == JsonValueKind.Object && container.TryGetProperty("error", out var error)
            ? Describe(error)
            : ("unknown", container.ToString());

    /// <summary>An error object <c>{"type","reason"}</c>; very old or proxied answers use a bare string.</summary>
    internal static (string Type, string Reason) Describe(JsonElement error) =>
        error.ValueKind == JsonValueKind.String
            ? ("unknown", error.GetString() ?? "")
            : (StringOf(error, "type") ?? "unknown", StringOf(error, "reason") ?? error.ToString());

    private static string? StringOf(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object
        && element.TryGetProperty(name, out var value)
        && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;
}
