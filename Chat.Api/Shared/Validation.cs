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

    public ProblemHttpResult Problem() => TypedResults.Problem(new HttpValidationProblemDetails(_errors)
    {
        Status = StatusCodes.Status422UnprocessableEntity,
        Title = "Validation failed",
        Detail = "One or more fields are invalid; see errors.",
    });
}
