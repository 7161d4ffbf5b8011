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

/// <summary>What a user token (user U) may do on an endpoint of an application (API.md, "Authentication").</summary>
public enum UserRule
{
    /// <summary>Anything in the application, as U (create and list chats, presence).</summary>
    AnyUser,
    /// <summary>In a chat U may read (a member, or a chat without members); any other chat is a 404.</summary>
    Reader,
    /// <summary>Changes a chat: U must be a member (403 in an open chat it only reads; 404 where it cannot read).</summary>
    Member,
    /// <summary>Managing the application, its mode and credentials: never a user token (403).</summary>
    ServerOnly,
}

/// <summary>
/// One method and route of the public HTTP surface. Route placeholders: <c>{token}</c>, <c>{chat}</c>,
/// <c>{message}</c> (numbers), and any other name the tests fill from <see cref="Surface.Samples"/>.
/// </summary>
/// <param name="RequiredQuery">A query the endpoint cannot do without (search's <c>q</c>), part of every URL.</param>
/// <param name="User">For <see cref="Access.Token"/> endpoints: what a user token may do there.</param>
/// <param name="ActsFor">Where the endpoint names the user it acts for, which a user token may only be itself:
/// <c>body:FIELD</c>, <c>path:user</c>, or <c>message</c> (the sender of the message it changes).</param>
public sealed partial record Endpoint(string Method, string Route, Access Access, Field[] Body, Field[] Query, string? RequiredQuery = null,
    UserRule User = UserRule.Reader, string? ActsFor = null)
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

    /// <summary>A body the endpoint accepts (every field set to a valid sample, or to <paramref name="values"/>' JSON), as JSON text.</summary>
    public string ValidJson(IReadOnlyDictionary<string, string>? values = null) =>
        "{" + string.Join(",", Body.Select(f => $"\"{f.Name}\":{(values?.GetValueOrDefault(f.Name) ?? Surface.ValidJson(f.Kind))}")) + "}";

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
        new("POST", "/applications", Access.Anyone, [Name, new("auth_mode", Kind.Text)], []),
        new("GET", "/applications", Access.Admin, [], [Limit, new("after", Kind.Token)]),
        new("GET", "/applications/{token}", Access.Token, [], [], User: UserRule.ServerOnly),
        new("PATCH", "/applications/{token}", Access.Token, [Name], [], User: UserRule.ServerOnly),
        new("PUT", "/applications/{token}", Access.Token, [Name], [], User: UserRule.ServerOnly),
        new("DELETE", "/applications/{token}", Access.Token, [], [], User: UserRule.ServerOnly),
        new("POST", "/applications/{token}/secret/rotate", Access.Token, [], [], User: UserRule.ServerOnly),
        new("POST", "/applications/{token}/token/rotate", Access.Token, [new("grace_seconds", Kind.Number)], [], User: UserRule.ServerOnly),

        new("POST", "/applications/{token}/chats", Access.Token, [Name, new("members", Kind.UserIds), new("distinct", Kind.Bool)], [],
            User: UserRule.AnyUser),
        new("GET", "/applications/{token}/chats", Access.Token, [], [Limit, new("after", Kind.Number)], User: UserRule.AnyUser),
        new("GET", "/applications/{token}/chats/{chat}", Access.Token, [], []),
        new("PATCH", "/applications/{token}/chats/{chat}", Access.Token, [Name], [], User: UserRule.Member),
        new("PUT", "/applications/{token}/chats/{chat}", Access.Token, [Name], [], User: UserRule.Member),
        new("DELETE", "/applications/{token}/chats/{chat}", Access.Token, [], [], User: UserRule.Member),

        new("POST", "/applications/{token}/chats/{chat}/messages", Access.Token,
            [new("body", Kind.Text), new("sender", Kind.Text), new("sent_at", Kind.Timestamp)], [], ActsFor: "body:sender"),
        new("GET", "/applications/{token}/chats/{chat}/messages", Access.Token, [],
            [Limit, new("before", Kind.Number), new("after", Kind.Number), new("from", Kind.Timestamp), new("to", Kind.Timestamp)]),
        new("GET", "/applications/{token}/chats/{chat}/messages/{message}", Access.Token, [], []),
        new("PATCH", "/applications/{token}/chats/{chat}/messages/{message}", Access.Token, [new("body", Kind.Text)], [], ActsFor: "message"),
        new("PUT", "/applications/{token}/chats/{chat}/messages/{message}", Access.Token, [new("body", Kind.Text)], [], ActsFor: "message"),
        new("DELETE", "/applications/{token}/chats/{chat}/messages/{message}", Access.Token, [], [], ActsFor: "message"),
        new("GET", "/applications/{token}/chats/{chat}/messages/{message}/history", Access.Token, [], []),

        new("GET", "/applications/{token}/chats/{chat}/messages/search", Access.Token, [],
            [new("q", Kind.Text), Limit, new("before", Kind.Number)], RequiredQuery: "q=hello"),

        new("GET", "/applications/{token}/chats/{chat}/members", Access.Token, [], []),
        new("POST", "/applications/{token}/chats/{chat}/members", Access.Token, [new("users", Kind.UserIds)], [], User: UserRule.Member),
        new("GET", "/applications/{token}/chats/{chat}/members/{user}", Access.Token, [], []),
        new("DELETE", "/applications/{token}/chats/{chat}/members/{user}", Access.Token, [], [], ActsFor: "path:user"),
        new("GET", "/applications/{token}/users/{user}/chats", Access.Token, [], [], User: UserRule.AnyUser, ActsFor: "path:user"),
        new("POST", "/applications/{token}/chats/{chat}/receipts", Access.Token,
            [new("user", Kind.Text), new("delivered_up_to", Kind.Number), new("read_up_to", Kind.Number)], [], ActsFor: "body:user"),
        new("GET", "/applications/{token}/chats/{chat}/messages/{message}/receipts", Access.Token, [], []),
        new("GET", "/applications/{token}/users/{user}/presence", Access.Token, [], [], User: UserRule.AnyUser),
        new("GET", "/applications/{token}/events", Access.Token, [], [Limit, new("after", Kind.Number)], User: UserRule.AnyUser),

        new("POST", "/applications/{token}/webhooks", Access.Token, [new("url", Kind.Text), new("events", Kind.UserIds)], [], User: UserRule.ServerOnly),
        new("GET", "/applications/{token}/webhooks", Access.Token, [], [], User: UserRule.ServerOnly),
        new("GET", "/applications/{token}/webhooks/{webhook}", Access.Token, [], [], User: UserRule.ServerOnly),
        new("DELETE", "/applications/{token}/webhooks/{webhook}", Access.Token, [], [], User: UserRule.ServerOnly),
        new("GET", "/applications/{token}/webhooks/{webhook}/deliveries", Access.Token, [],
            [Limit, new("after", Kind.Number), new("status", Kind.Text)], User: UserRule.ServerOnly),
        new("POST", "/applications/{token}/webhooks/{webhook}/replay", Access.Token, [new("after_seq", Kind.Number)], [], User: UserRule.ServerOnly),

        new("POST", "/admin/jobs/reconcile-counts", Access.Admin, [], []),
    ];

    /// <summary>
    /// The hub's methods a client invokes, with what a user token may do there: <c>Join</c> names the user it joins as
    /// (only U, or null to watch) and needs a chat U may read; <c>Typing</c> needs a join as a member first. (<c>Leave</c>
    /// only takes the calling connection out of a chat it joined: it can act on nothing else.)
    /// </summary>
    public static readonly IReadOnlyList<string> HubMethods = ["Join", "Typing"];

    /// <summary>Values for route placeholders other than token, chat and message (e.g. a member's user id).</summary>
    public static readonly IReadOnlyDictionary<string, string> Samples = new Dictionary<string, string>
    {
        ["user"] = "alice",
        ["webhook"] = "wh_00000000000000000000",
    };

    /// <summary>
    /// Endpoints only the application secret may call, even in open mode (Access.ForServer): credentials, and webhooks,
    /// which send every change of the application to a URL of the caller's choosing.
    /// </summary>
    public static bool NeedsSecret(Endpoint endpoint) => endpoint.Route.EndsWith("/rotate") || endpoint.Route.Contains("/webhooks");

    /// <summary>Valid bodies for the webhook endpoints (the samples by kind are not URLs or event types).</summary>
    public static readonly IReadOnlyDictionary<string, string> WebhookBody = new Dictionary<string, string>
    {
        ["url"] = "\"https://93.184.215.14/hooks\"", ["events"] = "[\"*\"]", ["after_seq"] = "0",
    };

    /// <summary>Route values for the application <paramref name="token"/>, with a webhook of its own registered for <c>{webhook}</c>.</summary>
    public static async Task<Dictionary<string, string>> ValuesWithAWebhookAsync(HttpClient client, string token, string secret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/applications/{token}/webhooks")
        {
            Content = new StringContent("{\"url\":\"https://93.184.215.14/hooks\",\"events\":[\"*\"]}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", secret);
        using var created = await client.SendAsync(request);
        var webhook = (await Chat.Tests.Infrastructure.HttpAssertions.ShouldBeAsync(created, System.Net.HttpStatusCode.Created)).GetProperty("id").GetString()!;
        return new Dictionary<string, string> { ["token"] = token, ["chat"] = "1", ["message"] = "1", ["webhook"] = webhook };
    }

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
