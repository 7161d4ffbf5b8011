namespace Chat.Api.Shared;

/// <summary>The <c>limit</c> rule every list endpoint shares: default 50, at most 200, larger is a 400.</summary>
public static class ListQuery
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 200;

    public static bool TryLimit(int? requested, out int limit, out IResult? problem)
    {
        limit = requested ?? DefaultLimit;
        problem = limit is >= 1 and <= MaxLimit ? null : BadQuery("limit", $"limit must be between 1 and {MaxLimit}.");
        return problem is null;
    }

    public static IResult BadQuery(string parameter, string detail) =>
        TypedResults.Problem(statusCode: StatusCodes.Status400BadRequest, title: $"Bad query parameter '{parameter}'", detail: detail);
}
