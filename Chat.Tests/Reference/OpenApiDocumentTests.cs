using System.Net;
using System.Text.RegularExpressions;
using Chat.Tests.Infrastructure;
using Microsoft.OpenApi;
using Microsoft.OpenApi.Reader;

namespace Chat.Tests.Reference;

/// <summary>
/// The OpenAPI document the API serves, the copy checked in at docs/openapi.json, and the README's endpoint tables agree.
/// <c>scripts/openapi</c> (OPENAPI_UPDATE=1) rewrites the checked-in copy instead of comparing it.
/// </summary>
public sealed partial class OpenApiDocumentTests : OneApiHost
{
    private static readonly string Root = FindRepositoryRoot();
    private static readonly string CheckedIn = Path.Combine(Root, "docs", "openapi.json");

    [Test]
    public async Task CheckedInDocumentIsWhatTheBuildServes()
    {
        var served = Normalize(await Client.GetStringAsync("/openapi/v1.json"));
        if (Environment.GetEnvironmentVariable("OPENAPI_UPDATE") == "1")
        {
            await File.WriteAllTextAsync(CheckedIn, served);
            Assert.Pass($"Wrote {CheckedIn}");
        }
        Assert.That(File.Exists(CheckedIn), $"{CheckedIn} is missing: run scripts/openapi");
        Assert.That(Normalize(await File.ReadAllTextAsync(CheckedIn)), Is.EqualTo(served),
            "docs/openapi.json differs from what the API serves: run scripts/openapi and commit the result");
    }

    [Test]
    public async Task DocumentIsValidOpenApi31AndHasEveryReadmeEndpoint()
    {
        var (document, diagnostic) = await ReadServedAsync();
        Assert.That(diagnostic.Errors, Is.Empty, string.Join("; ", diagnostic.Errors.Select(e => $"{e.Pointer}: {e.Message}")));
        Assert.That(diagnostic.SpecificationVersion, Is.EqualTo(OpenApiSpecVersion.OpenApi3_1));

        var documented = document.Paths.SelectMany(path => path.Value.Operations!.Keys
            .Select(method => $"{method.Method.ToUpperInvariant()} {Template(path.Key)}")).ToHashSet();
        var readme = ReadmeEndpoints().ToList();
        Assert.That(readme, Has.Count.GreaterThan(30), "the README's endpoint tables were found");
        Assert.That(readme.Where(endpoint => !documented.Contains(endpoint)), Is.Empty, "README endpoints missing from the document");
    }

    [Test]
    public async Task EveryOperationHasATypedSuccessAndProblemJsonErrors()
    {
        var (document, _) = await ReadServedAsync();
        var operations = document.Paths.Where(p => !p.Key.StartsWith("/health", StringComparison.Ordinal))
            .SelectMany(p => p.Value.Operations!.Select(o => (Name: $"{o.Key} {p.Key}", Operation: o.Value))).ToList();
        Assert.That(operations, Has.Count.GreaterThan(30));
        foreach (var (name, operation) in operations)
        {
            var responses = operation.Responses!;
            var success = responses.Where(r => r.Key.StartsWith('2')).ToList();
            Assert.That(success, Is.Not.Empty, $"{name}: no success response");
            Assert.That(success.All(r => r.Key == "204" || r.Value.Content?.ContainsKey("application/json") == true), $"{name}: untyped success");
            Assert.That(responses["503"].Content!.Keys, Does.Contain("application/problem+json"), name);
            if (name.Contains("{token}", StringComparison.Ordinal))
            {
                Assert.That(responses["404"].Content!.Keys, Does.Contain("application/problem+json"), name);
                Assert.That(operation.Security, Is.Not.Null.And.Not.Empty, $"{name}: no security requirement");
            }
        }
        var schemes = document.Components!.SecuritySchemes!;
        Assert.That(schemes.Keys, Is.SupersetOf(new[] { "server_secret", "user_token", "admin_key" }));
        Assert.That(schemes["user_token"].BearerFormat, Is.EqualTo("JWT"));
    }

    [Test]
    public async Task DocsServeTheReferenceUi()
    {
        using var response = await Client.GetAsync("/docs");
        Assert.That(response.StatusCode, Is.EqualTo(HttpStatusCode.OK));
        var html = await response.Content.ReadAsStringAsync();
        Assert.That(html, Does.Contain("scalar.js").And.Contain("openapi"), html);
        using var script = await Client.GetAsync("/docs/scalar.js");
        Assert.That(script.StatusCode, Is.EqualTo(HttpStatusCode.OK), "the UI's script is served with it (no CDN)");
    }

    private async Task<(OpenApiDocument Document, OpenApiDiagnostic Diagnostic)> ReadServedAsync()
    {
        var json = await Client.GetStringAsync("/openapi/v1.json");
        var result = OpenApiDocument.Parse(json, OpenApiConstants.Json);
        Assert.That(result.Document, Is.Not.Null, "the Microsoft.OpenApi reader could not read the document");
        return (result.Document!, result.Diagnostic!);
    }

    /// <summary>"GET /applications/{}/chats/{}" for every method and path of the README's tables.</summary>
    private static IEnumerable<string> ReadmeEndpoints()
    {
        foreach (var line in File.ReadLines(Path.Combine(Root, "README.md")))
        {
            var row = ReadmeRow().Match(line);
            if (!row.Success) continue;
            foreach (var method in row.Groups["methods"].Value.Split(',', StringSplitOptions.TrimEntries))
                foreach (Match path in ReadmePath().Matches(row.Groups["paths"].Value))
                    yield return $"{method} {Template(path.Groups[1].Value.Split('?')[0])}";
        }
    }

    private static string Template(string path) => Parameter().Replace(path, "{}").TrimEnd('/');

    private static string Normalize(string json) => json.ReplaceLineEndings("\n").TrimEnd() + "\n";

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ChatSystem.sln"))) return dir.FullName;
        throw new InvalidOperationException("ChatSystem.sln not found above the test directory");
    }

    [GeneratedRegex(@"^\| (?<methods>(?:GET|POST|PUT|PATCH|DELETE)(?:, (?:GET|POST|PUT|PATCH|DELETE))*) \| (?<paths>[^|]+) \|")]
    private static partial Regex ReadmeRow();

    [GeneratedRegex(@"`(/[^`]*)`")]
    private static partial Regex ReadmePath();

    [GeneratedRegex(@"\{[^}]*\}")]
    private static partial Regex Parameter();
}
