using System.Text.RegularExpressions;

namespace Chat.Api.Shared;

/// <summary>
/// The framework's own 400s say things meant for the API's developer ("Implicit body inferred for parameter…",
/// "Failed to bind parameter "Nullable&lt;int&gt; limit""): say them in the client's terms, like our own problems.
/// A message not recognised here keeps its text (it names no internals beyond a parameter).
/// </summary>
internal static partial class FrameworkMessages
{
    public static string ForClient(string message)
    {
        if (MissingBody().IsMatch(message)) return "The request needs a JSON body (or a form); none was sent.";
        if (FailedToBind().Match(message) is { Success: true } bind)
            return $"'{Name(bind)}' must be {Expected(bind.Groups["type"].Value)}.";
        if (MissingParameter().Match(message) is { Success: true } missing)
            return $"'{Name(missing)}' is required.";
        if (UnsupportedMediaType().IsMatch(message))
            return "Send the body as application/json, application/x-www-form-urlencoded or multipart/form-data.";
        return message;
    }

    private static string Name(Match match) =>
        System.Text.Json.JsonNamingPolicy.SnakeCaseLower.ConvertName(match.Groups["name"].Value);

    private static string Expected(string type) => type.Replace("Nullable<", "").TrimEnd('>') switch
    {
        "int" or "long" or "Int32" or "Int64" => "an integer",
        "bool" or "Boolean" => "true or false",
        "DateTime" or "DateTimeOffset" => "an ISO 8601 timestamp",
        _ => "a valid value",
    };

    [GeneratedRegex(@"^Implicit body inferred for parameter|^Required parameter ""[^""]+"" was not provided from body")]
    private static partial Regex MissingBody();

    [GeneratedRegex(@"^Failed to bind parameter ""(?<type>.+) (?<name>\w+)"" from")]
    private static partial Regex FailedToBind();

    [GeneratedRegex(@"^Required parameter ""(?<type>.+) (?<name>\w+)"" was not provided")]
    private static partial Regex MissingParameter();

    [GeneratedRegex(@"^Expected a supported JSON media type")]
    private static partial Regex UnsupportedMediaType();
}
