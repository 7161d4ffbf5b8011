using System.Globalization;
using System.Text.Json;
using Chat.Contracts;

namespace Chat.Domain.Pipeline;

/// <summary>
/// A pending state as Redis holds it: <c>version|flag|json</c>, flag <c>L</c> (live) or <c>D</c> (hidden). The scripts
/// read the version and the flag (prelude.lua); only C# reads the JSON, the same JSON as the commands carry.
/// </summary>
public static class PendingValue
{
    public static string Of(Write write) => string.Create(CultureInfo.InvariantCulture,
        $"{write.Version}|{(write.Kind.Hides(write.State) ? 'D' : 'L')}|{write.Kind.Serialize(write.State)}");

    public static long VersionOf(string value) => long.Parse(value.AsSpan(0, value.IndexOf('|')), CultureInfo.InvariantCulture);

    public static object StateOf(WriteKind kind, string value) => kind.Parse(JsonOf(value));

    public static T StateOf<T>(string value) => Deserialize<T>(JsonOf(value));

    // Member states were once stored as "version|json", without a flag.
    private static string JsonOf(string value)
    {
        var first = value.IndexOf('|');
        return value[first + 1] == '{' ? value[(first + 1)..] : value[(first + 3)..];
    }

    public static string Serialize<T>(T state) => JsonSerializer.Serialize(state, CommandJson.Options);

    public static T Deserialize<T>(string json) => JsonSerializer.Deserialize<T>(json, CommandJson.Options)!;
}
