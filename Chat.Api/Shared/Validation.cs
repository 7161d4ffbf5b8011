using System.Text;
using System.Text.Json;
using Chat.Contracts;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Chat.Api.Shared;

/// <summary>Collects field errors and turns them into one 422 ValidationProblem.</summary>
public sealed class Validation
{
    private readonly Dictionary<string, string[]> _errors = [];

    public bool IsValid => _errors.Count == 0;

    public Validation Add(string field, string message)
    {
        _errors[field] = _errors.TryGetValue(field, out var existing) ? [.. existing, message] : [message];
        return this;
    }

    /// <summary>Trims <paramref name="value"/> and checks it has between min and max characters.</summary>
    public string? Text(string field, string? value, int min, int max, bool required = true)
    {
        var trimmed = value?.Trim();
        if (trimmed is null)
        {
            if (required) Add(field, "is required.");
        }
        else if (trimmed.Length < min) Add(field, min == 1 ? "must not be empty." : $"must have at least {min} characters.");
        else if (trimmed.Length > max) Add(field, $"must have at most {max} characters.");
        return trimmed;
    }

    /// <summary>
    /// Client metadata: absent or null is none; otherwise a JSON object of at most <see cref="Limits.MaxMetadataBytes"/>
    /// bytes, kept as the text it was given (never interpreted).
    /// </summary>
    public string? Metadata(string field, JsonElement? value)
    {
        if (value is not { ValueKind: not JsonValueKind.Null and not JsonValueKind.Undefined } given) return null;
        if (given.ValueKind != JsonValueKind.Object)
        {
            Add(field, "must be a JSON object.");
            return null;
        }
        var text = given.GetRawText();
        if (Encoding.UTF8.GetByteCount(text) > Limits.MaxMetadataBytes) Add(field, $"must be at most {Limits.MaxMetadataBytes} bytes serialized.");
        return text;
    }

    public ProblemHttpResult Problem() => TypedResults.Problem(new HttpValidationProblemDetails(_errors)
    {
        Status = StatusCodes.Status422UnprocessableEntity,
        Title = "Validation failed",
        Detail = "One or more fields are invalid; see errors.",
    });
}
