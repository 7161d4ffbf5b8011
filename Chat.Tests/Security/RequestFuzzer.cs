using Chat.Contracts;
using System.Net.Http.Headers;
using System.Text;

namespace Chat.Tests.Security;

/// <summary>One generated request, replayable from its description.</summary>
/// <param name="Credential">The bearer credential sent when the fuzzer was given credentials: "" for none, null for a malformed header.</param>
public sealed record FuzzedRequest(Endpoint Endpoint, string Method, string Url, string? ContentType, byte[]? Body,
    IReadOnlyList<(string Name, string Value)> Headers, string? Credential = null)
{
    public HttpRequestMessage ToHttpRequest()
    {
        var request = new HttpRequestMessage(new HttpMethod(Method), new Uri(Url, UriKind.Relative));
        if (Body is not null)
        {
            request.Content = new ByteArrayContent(Body);
            if (ContentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", ContentType);
        }
        foreach (var (name, value) in Headers) request.Headers.TryAddWithoutValidation(name, value);
        return request;
    }

    public override string ToString()
    {
        var body = Body is null ? "" : Encoding.UTF8.GetString(Body);
        var headers = string.Join(", ", Headers.Select(h => $"{h.Name}: {Clip(h.Value, 40)}"));
        return $"{Method} {Clip(Url, 200)} [{ContentType}] [{headers}] {Clip(body, 300)}";
    }

    private static string Clip(string text, int length) => text.Length <= length ? text : $"{text[..length]}…({text.Length} chars)";
}

/// <summary>
/// Generates malformed variants of requests to every endpoint of <see cref="Surface"/>: bad JSON, wrong types,
/// huge and Unicode strings, bad numbers, cursors and timestamps, wrong content types, missing and extra fields,
/// huge headers, odd methods. Request <c>i</c> depends only on the seed and <c>i</c>, so a failure can be
/// replayed alone. Requests that could delete the fixtures (<paramref name="token"/>, chat 1, message 1) are
/// never generated, so most requests reach the handlers instead of stopping at a 404. With
/// <paramref name="credentials"/>, each request also carries one of them (or a malformed Authorization header).
/// </summary>
public sealed class RequestFuzzer(int seed, string token, IReadOnlyList<string>? credentials = null)
{
    private static readonly string[] MalformedAuthorizations = ["Bearer", "Bearer ", "Basic YWxpY2U6c2VjcmV0", "bearer x.y", "Bearer a.b.c.d", "Token x", "Bearer é"];

    private static readonly string[] Methods = ["HEAD", "OPTIONS", "TRACE", "FOO", "get", "PROPFIND", "PATCH", "DELETE"];

    private static readonly string[] BadTokens =
    [
        "", "x", new('A', ApplicationToken.Length - 1), new('A', ApplicationToken.Length + 1), new('A', 5000), "токен🙂",
        "..", "%2e%2e", "%ZZ", "a b", "' OR '1'='1", "{token}", "%2F%2F", "null", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
    ];

    // Route numbers that can never mean 1, so a DELETE never removes the fixtures (" 1", "01" and "+1" do parse as 1).
    private static readonly string[] OtherNumbers =
    [
        "0", "-1", "2", "3", "7", "2147483647", "2147483648", "-2147483649", "99999999999999999999", "1.5", "1e3", "abc", "0x10",
        "1;2", "１", "١", new('9', 5000), "NaN", "-0", "1,000", "∞", "%F0%9F%98%80",
    ];

    private static readonly string[] NumberQueries =
    [
        "1", "50", "200", "0", "-1", "201", "100000", "2147483647", "2147483648", "-2147483649", "abc", "", " ", "1.0", "1e2", "５",
        "0x10", "%00", "1%00", "true", new('9', 10_000), "１２", "null", "[1]",
    ];

    private static readonly string[] TimestampQueries =
    [
        "2026-01-01T00:00:00Z", "2026-13-01T00:00:00Z", "not-a-date", "0001-01-01T00:00:00", "9999-12-31T23:59:59.9999999Z",
        "2026-01-01T00:00:00+25:00", "1700000000", "", "2026-02-30", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00",
        "2026-01-01", "tomorrow", "2026-01-01T00:00:00.123456789Z", new('2', 5000), "2026-01-01T00:00:00%2B01:00",
    ];

    private static readonly string[] ContentTypes =
    [
        "text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "application/xml", "*/*",
        "application/json; charset=utf-16", "application/json; charset=latin1", "application/merge-patch+json",
        "application/problem+json", "////", "application/json; boundary=", "APPLICATION/JSON",
    ];

    private static readonly string[] Accepts = ["application/xml", "text/html", "*/*", "", "garbage/;;", "application/json;q=0"];

    private static readonly string[] IdempotencyKeys = ["k1", "", " ", new('k', 255), new('k', 256), "a\tb", "ключ", "a b", new('k', 20_000)];

    private static readonly string[] ExtraFields =
    [
        "id", "token", "number", "uid", "chats_count", "messages_count", "created_at", "updated_at", "deleted_at",
        "application_id", "__proto__", "$type", "$id", "constructor", "",
    ];

    private static readonly string[] AnyJson =
    [
        "null", "true", "false", "0", "-1", "1.5", "1e309", "-1e309", "[]", "{}", "[1,2]", "{\"a\":1}", "\"\"", "\" \"",
        "9223372036854775808", "\"1\"",
    ];

    private static readonly string[] TextJson =
    [
        "\"hello\"", $"\"{new string('x', 10_001)}\"", $"\"{new string('x', 10_000)}\"", $"\"{new string('x', 201)}\"",
        $"\"{new string('s', 65)}\"", $"\"{string.Concat(Enumerable.Repeat("😀", 5_000))}\"", $"\"{new string('é', 10_000)}\"",
        "\"\\u0000\"", "\"\\ud800\"", "\"\\udc00x\"", "\"a\\ud83d\"", "\"\u202Egnp.exe\"", "\"Z̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǧ̗͚̚o̙̔ͮ̇͐̇\"",
        "\"<script>alert(1)</script>\"", "\"' OR 1=1 --\"", "\"${jndi:ldap://x/a}\"", "\"%s%s%n\"", "\"\\r\\n\\t\"",
        "\"\u00A0\u2003\"", "\"\uFEFF\"", "\"\\\\\"", "\"\\u202e\"", "\"日本語のテキスト\"", "\"مرحبا\"",
    ];

    private static readonly string[] NumberJson = ["1", "0", "-1", "2147483648", "1e3", "1.0", "\"1\"", "NaN", "0x10", "01", "Infinity"];

    private static readonly string[] TimestampJson =
    [
        "\"2026-01-01T00:00:00Z\"", "\"2026-13-45T00:00:00Z\"", "\"yesterday\"", "1700000000", "\"0001-01-01T00:00:00Z\"",
        "\"9999-12-31T23:59:59.9999999Z\"", "\"0001-01-01T00:00:00+14:00\"", "\"9999-12-31T23:59:59-14:00\"", "\"2026-01-01\"",
        "\"2026-01-01T00:00:00\"", "\"1000-01-01T00:00:00Z\"", "\"0999-12-31T23:59:59Z\"", "\"2026-01-01T00:00:00.1234567+05:30\"",
        "\"\"", "\"2026-02-30T00:00:00Z\"",
    ];

    private static readonly string[] BoolJson = ["true", "false", "\"true\"", "1", "null"];

    private static readonly string[] UserIdsJson =
    [
        "[\"alice\"]", "[]", "[1]", "\"alice\"", "[null]", $"[\"{new string('u', 65)}\"]",
        "[" + string.Join(",", Enumerable.Range(0, 5_000).Select(i => $"\"u{i}\"")) + "]", "[\"a\",\"a\"]", "[\"\"]",
    ];

    private static readonly string[] BrokenJson =
    [
        "", "   ", "{", "}", "{\"name\"}", "{\"name\":}", "{'name':'x'}", "{\"name\":\"x\",}", "{\"name\":\"x\" /* c */}",
        "{\"name\":\"x\"}garbage", "{\"name\":\"x\"}{\"name\":\"y\"}", "null", "[]", "\"text\"", "42", "true", "\u0000",
        "{\"name\":NaN}", "{\"body\":\"x\",\"body\":5}", "{\"body\":\"x\",\"body\":\"y\"}", new('{', 3000), new string('[', 3000) + new string(']', 3000),
        string.Concat(Enumerable.Repeat("{\"a\":", 100)) + "1" + new string('}', 100), "\uFEFF{\"name\":\"x\",\"body\":\"x\"}",
        "{\"name\":\"x\\", "{\"\\ud800\":1}",
    ];

    public int Seed => seed;

    public FuzzedRequest Create(int index)
    {
        var random = new Random(unchecked(seed * 1_000_003 + index));
        var endpoint = Surface.Endpoints[random.Next(Surface.Endpoints.Count)];
        var method = random.Next(100) < 4 ? Pick(random, Methods) : endpoint.Method;
        var destructive = method.Equals("DELETE", StringComparison.OrdinalIgnoreCase);

        var values = new Dictionary<string, string>
        {
            ["token"] = TokenSegment(random, destructive),
            ["chat"] = NumberSegment(random, destructive),
            ["message"] = NumberSegment(random, destructive),
        };
        var url = endpoint.Url(values);
        if (Query(random, endpoint) is { Length: > 0 } query) url = Endpoint.AddQuery(url, query);

        byte[]? body = null;
        string? contentType = null;
        if (endpoint.HasBody || random.Next(100) < 5)
        {
            body = Body(random, endpoint);
            var roll = random.Next(100);
            contentType = roll < 75 ? "application/json" : roll < 80 ? null : Pick(random, ContentTypes);
        }
        var headers = Headers(random, endpoint);
        if (credentials is null) return new FuzzedRequest(endpoint, method, url, contentType, body, headers);
        // Null: a malformed Authorization header; "": none at all.
        var credential = random.Next(100) < 5 ? null : credentials[random.Next(credentials.Count)];
        if (credential is null) headers.Add(("Authorization", Pick(random, MalformedAuthorizations)));
        else if (credential.Length > 0) headers.Add(("Authorization", $"Bearer {credential}"));
        return new FuzzedRequest(endpoint, method, url, contentType, body, headers, credential);
    }

    private string TokenSegment(Random random, bool destructive)
    {
        var roll = random.Next(100);
        if (roll < 75 && !destructive) return token;
        if (roll < 85) return ApplicationToken.New();
        if (roll < 88) return token.ToUpperInvariant() == token ? token.ToLowerInvariant() : token.ToUpperInvariant();
        var bad = Pick(random, BadTokens);
        return bad.Contains('%') ? bad : Uri.EscapeDataString(bad);
    }

    private static string NumberSegment(Random random, bool destructive)
    {
        if (!destructive && random.Next(100) < 60) return "1";
        var number = Pick(random, OtherNumbers);
        return number.Contains('%') ? number : Uri.EscapeDataString(number);
    }

    private static string Query(Random random, Endpoint endpoint)
    {
        var parts = new List<string>();
        foreach (var field in endpoint.Query)
        {
            if (random.Next(100) < 50) continue;
            var value = field.Kind switch
            {
                Kind.Timestamp => Pick(random, TimestampQueries),
                Kind.Token => random.Next(3) == 0 ? ApplicationToken.New() : Pick(random, BadTokens),
                _ => Pick(random, NumberQueries),
            };
            parts.Add($"{field.Name}={(value.Contains('%') ? value : Uri.EscapeDataString(value))}");
            if (random.Next(100) < 5) parts.Add($"{field.Name}={Pick(random, NumberQueries)}"); // the same parameter twice
        }
        if (random.Next(100) < 10) parts.Add(Pick(random, ["foo=bar", "limit[]=1", "%ZZ=1", "=", "&&", "a=%FF%FE", $"x={new string('q', 20_000)}"]));
        return string.Join("&", parts);
    }

    private static byte[] Body(Random random, Endpoint endpoint)
    {
        var roll = random.Next(100);
        if (roll < 15) return Encoding.UTF8.GetBytes(Pick(random, BrokenJson));
        if (roll < 20)
        {
            var valid = endpoint.HasBody ? endpoint.ValidJson() : "{\"name\":\"x\"}";
            return Encoding.UTF8.GetBytes(valid[..random.Next(valid.Length)]); // truncated
        }
        if (roll < 23)
        {
            var bytes = new byte[random.Next(1, 2_000)];
            random.NextBytes(bytes); // mostly invalid UTF-8
            return bytes;
        }
        if (roll < 25) return Encoding.UTF8.GetBytes($"{{\"name\":\"{new string('n', 100_000)}\",\"body\":\"{new string('b', 100_000)}\"}}");

        // An object: each known field present or not, valid or mutated by its kind, plus stray fields.
        var fields = new List<string>();
        foreach (var field in endpoint.Body)
        {
            var choice = random.Next(100);
            if (choice < 15) continue;
            var value = choice < 45 ? Surface.ValidJson(field.Kind) : choice < 55 ? Pick(random, AnyJson) : Mutated(random, field.Kind);
            fields.Add($"\"{field.Name}\":{value}");
        }
        if (random.Next(100) < 20)
            fields.Add($"\"{Pick(random, ExtraFields)}\":{(random.Next(2) == 0 ? Pick(random, AnyJson) : Pick(random, TextJson))}");
        return Encoding.UTF8.GetBytes("{" + string.Join(",", fields) + "}");
    }

    private static string Mutated(Random random, Kind kind) => kind switch
    {
        Kind.Text => Pick(random, TextJson),
        Kind.Number => Pick(random, NumberJson),
        Kind.Timestamp => Pick(random, TimestampJson),
        Kind.Bool => Pick(random, BoolJson),
        Kind.UserIds => Pick(random, UserIdsJson),
        _ => Pick(random, TextJson),
    };

    private static List<(string, string)> Headers(Random random, Endpoint endpoint)
    {
        var headers = new List<(string, string)>();
        if (endpoint.Route.EndsWith("/messages") && endpoint.Method == "POST" && random.Next(100) < 30)
            headers.Add(("Idempotency-Key", random.Next(3) == 0 ? $"key-{random.Next()}" : Pick(random, IdempotencyKeys)));
        if (random.Next(100) < 5) headers.Add(("Accept", Pick(random, Accepts)));
        if (random.Next(100) < 3) headers.Add(("X-Fuzz", new string('h', 40_000)));
        if (random.Next(100) < 2)
            for (var i = 0; i < 200; i++) headers.Add(($"X-Fuzz-{i}", new string('h', 100)));
        if (random.Next(100) < 3) headers.Add(("X-Admin-Key", Pick(random, ["", "x", new string('k', 10_000), "test-admin-key "])));
        return headers;
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];
}
