using System.Text.RegularExpressions;

namespace Chat.Tests.Security;

/// <summary>What a path segment, query parameter or body field holds; the fuzzer mutates each kind its own way.</summary>
public enum Kind { Text, Number, Timestamp, Bool, UserIds, Token }

public sealed record Field(string Name, Kind Kind);

/// <summary>Who may call an endpoint.</summary>
public enum Access
{
    /// <summary>No credential (creating an application).</summary>
    Anyone,
    /// <summary>The application token in the path is the credential: only that application's data is reachable.</summary>
    Token,
    /// <summary>Operators, with the <c>X-Admin-Key</c> header.</summary>
    Admin,
}

/// <summary>
/// One method and route of the public HTTP surface. Route placeholders: <c>{token}</c>, <c>{chat}</c>,
/// <c>{message}</c> (numbers), and any other name the tests fill from <see cref="Surface.Samples"/>.
/// </summary>
/// <param name="RequiredQuery">A query the endpoint cannot do without (search's <c>q</c>), part of every URL.</param>
public sealed partial record Endpoint(string Method, string Route, Access Access, Field[] Body, Field[] Query, string? RequiredQuery = null)
{
    public IReadOnlyList<string> Placeholders => Placeholder().Matches(Route).Select(m => m.Groups[1].Value).ToList();

    /// <summary>The route with each placeholder replaced, missing ones from <see cref="Surface.Samples"/>.</summary>
    public string Url(IReadOnlyDictionary<string, string> values) =>
        Placeholder().Replace(Route, m => values.TryGetValue(m.Groups[1].Value, out var v) ? v : Surface.Samples[m.Groups[1].Value])
        + (RequiredQuery is null ? "" : $"?{RequiredQuery}");

    /// <summary>Adds a query parameter to a URL from <see cref="Url(string, int, int)"/>.</summary>
    public static string AddQuery(string url, string query) => url + (url.Contains('?') ? '&' : '?') + query;

    public string Url(string token, int chat = 1, int message = 1) =>
        Url(new Dictionary<string, string> { ["token"] = token, ["chat"] = $"{chat}", ["message"] = $"{message}" });

    public bool HasBody => Body.Length > 0;

    /// <summary>A body the endpoint accepts (every field set to a valid sample), as JSON text.</summary>
    public string ValidJson() =>
        "{" + string.Join(",", Body.Select(f => $"\"{f.Name}\":{Surface.ValidJson(f.Kind)}")) + "}";

    public override string ToString() => $"{Method} {Route}";

    [GeneratedRegex(@"\{(\w+)\}")]
    private static partial Regex Placeholder();
}

/// <summary>
/// Every endpoint of the API, one row each. The fuzz, tenant-isolation and limit tests iterate over this table:
/// a new endpoint gets those checks by adding its row here (and a sample for any new route placeholder).
/// </summary>
public static class Surface
{
    private static readonly Field Name = new("name", Kind.Text);
    private static readonly Field Limit = new("limit", Kind.Number);

    public static readonly IReadOnlyList<Endpoint> Endpoints =
    [
        new("POST", "/applications", Access.Anyone, [Name], []),
        new("GET", "/applications", Access.Admin, [], [Limit, new("after", Kind.Token)]),
        new("GET", "/applications/{token}", Access.Token, [], []),
        new("PATCH", "/applications/{token}", Access.Token, [Name], []),
        new("PUT", "/applications/{token}", Access.Token, [Name], []),
        new("DELETE", "/applications/{token}", Access.Token, [], []),

        new("POST", "/applications/{token}/chats", Access.Token, [Name, new("members", Kind.UserIds), new("distinct", Kind.Bool)], []),
        new("GET", "/applications/{token}/chats", Access.Token, [], [Limit, new("after", Kind.Number)]),
        new("GET", "/applications/{token}/chats/{chat}", Access.Token, [], []),
        new("PATCH", "/applications/{token}/chats/{chat}", Access.Token, [Name], []),
        new("PUT", "/applications/{token}/chats/{chat}", Access.Token, [Name], []),
        new("DELETE", "/applications/{token}/chats/{chat}", Access.Token, [], []),

        new("POST", "/applications/{token}/chats/{chat}/messages", Access.Token,
            [new("body", Kind.Text), new("sender", Kind.Text), new("sent_at", Kind.Timestamp)], []),
        new("GET", "/applications/{token}/chats/{chat}/messages", Access.Token, [],
            [Limit, new("before", Kind.Number), new("after", Kind.Number), new("from", Kind.Timestamp), new("to", Kind.Timestamp)]),
        new("GET", "/applications/{token}/chats/{chat}/messages/{message}", Access.Token, [], []),
        new("PATCH", "/applications/{token}/chats/{chat}/messages/{message}", Access.Token, [new("body", Kind.Text)], []),
        new("PUT", "/applications/{token}/chats/{chat}/messages/{message}", Access.Token, [new("body", Kind.Text)], []),
        new("DELETE", "/applications/{token}/chats/{chat}/messages/{message}", Access.Token, [], []),
        new("GET", "/applications/{token}/chats/{chat}/messages/{message}/history", Access.Token, [], []),

        new("GET", "/applications/{token}/chats/{chat}/messages/search", Access.Token, [],
            [new("q", Kind.Text), Limit, new("before", Kind.Number)], RequiredQuery: "q=hello"),

        new("GET", "/applications/{token}/chats/{chat}/members", Access.Token, [], []),
        new("POST", "/applications/{token}/chats/{chat}/members", Access.Token, [new("users", Kind.UserIds)], []),
        new("GET", "/applications/{token}/chats/{chat}/members/{user}", Access.Token, [], []),
        new("DELETE", "/applications/{token}/chats/{chat}/members/{user}", Access.Token, [], []),
        new("GET", "/applications/{token}/users/{user}/chats", Access.Token, [], []),
        new("POST", "/applications/{token}/chats/{chat}/receipts", Access.Token,
            [new("user", Kind.Text), new("delivered_up_to", Kind.Number), new("read_up_to", Kind.Number)], []),
        new("GET", "/applications/{token}/chats/{chat}/messages/{message}/receipts", Access.Token, [], []),
        new("GET", "/applications/{token}/users/{user}/presence", Access.Token, [], []),
        new("GET", "/applications/{token}/events", Access.Token, [], [Limit, new("after", Kind.Number)]),

        new("POST", "/admin/jobs/reconcile-counts", Access.Admin, [], []),
    ];

    /// <summary>Values for route placeholders other than token, chat and message (e.g. a member's user id).</summary>
    public static readonly IReadOnlyDictionary<string, string> Samples = new Dictionary<string, string>
    {
        ["user"] = "alice",
    };

    public static string ValidJson(Kind kind) => kind switch
    {
        Kind.Text => "\"hello\"",
        Kind.Number => "1",
        Kind.Timestamp => "\"2026-01-01T00:00:00Z\"",
        Kind.Bool => "true",
        Kind.UserIds => "[\"alice\",\"bob\"]",
        Kind.Token => "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"",
        _ => throw new ArgumentOutOfRangeException(nameof(kind)),
    };
}
