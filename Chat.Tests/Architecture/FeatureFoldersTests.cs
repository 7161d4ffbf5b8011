using System.Text.RegularExpressions;

namespace Chat.Tests.Architecture;

/// <summary>
/// The API's feature folders (Applications, Chats, Messages, …) do not import each other: what several of them need
/// lives in Chat.Api/Shared, which imports none of them (docs/decisions/0010).
/// </summary>
public sealed class FeatureFoldersTests
{
    private static readonly string Api = Path.Combine(RepositoryRoot(), "Chat.Api");

    private static IReadOnlyList<string> Features => Directory.GetDirectories(Api).Select(Path.GetFileName).OfType<string>()
        .Where(d => d is not ("Shared" or "bin" or "obj" or "Properties")).ToList();

    [Test]
    public void NoFeatureFolderUsesAnotherFeaturesNamespace()
    {
        var features = Features;
        Assert.That(features, Is.SupersetOf(new[] { "Applications", "Chats", "Messages", "Members", "Search", "Realtime" }), "the folders are found");

        var violations = features.SelectMany(feature => Uses(feature, features.Where(f => f != feature))).ToList();

        Assert.That(violations, Is.Empty);
    }

    [Test]
    public void SharedUsesNoFeature() => Assert.That(Uses("Shared", Features), Is.Empty);

    [Test]
    public void TheCheckFindsAnImportInAnyOfItsForms()
    {
        var chats = TypesOf("Chats");
        Assert.That(chats, Does.Contain("DistinctChats"));
        foreach (var line in new[] { "using Chat.Api.Chats;", "var x = new Chat.Api.Chats.ChatRequest(null);", "var k = Chats.DistinctChats.KeyOf([]);" })
            Assert.That(References(line, "Chats", chats), Is.True, line);
        foreach (var line in new[] { "var rows = db.Chats.Where(c => c.Id > 0);", "using Chat.Api.Shared;", "// Chats.DistinctChats", "Chats.Count" })
            Assert.That(References(line, "Chats", chats), Is.False, line);
    }

    /// <summary>Every line of the folder's C# files that names one of the other namespaces.</summary>
    private static IEnumerable<string> Uses(string folder, IEnumerable<string> others)
    {
        var types = others.ToDictionary(o => o, TypesOf);
        return from file in Directory.EnumerateFiles(Path.Combine(Api, folder), "*.cs", SearchOption.AllDirectories)
            from line in File.ReadLines(file)
            from other in types
            where References(line, other.Key, other.Value)
            select $"{Path.GetRelativePath(Api, file)}: {line.Trim()} (uses {other.Key})";
    }

    /// <summary>
    /// Chat.Api.X in any form, or one of X's types named relative to Chat.Api (<c>Chats.DistinctChats</c>); a member access
    /// such as <c>db.Chats</c> is not one.
    /// </summary>
    private static bool References(string line, string feature, IReadOnlyCollection<string> types) =>
        !line.TrimStart().StartsWith("//", StringComparison.Ordinal)
        && (Regex.IsMatch(line, $@"\bChat\.Api\.{feature}\b")
            || types.Any(type => Regex.IsMatch(line, $@"(?<![\w.]){feature}\.{type}\b")));

    /// <summary>The types a feature folder declares.</summary>
    private static IReadOnlyCollection<string> TypesOf(string feature) =>
        Directory.EnumerateFiles(Path.Combine(Api, feature), "*.cs", SearchOption.AllDirectories)
            .SelectMany(f => Regex.Matches(File.ReadAllText(f), @"\b(?:class|record|struct|interface|enum)\s+(\w+)").Select(m => m.Groups[1].Value))
            .ToHashSet();

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "ChatSystem.sln"))) return dir.FullName;
        throw new InvalidOperationException("ChatSystem.sln not found above the test's directory.");
    }
}
