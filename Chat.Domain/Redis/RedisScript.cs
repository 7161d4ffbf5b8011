using System.Reflection;
using StackExchange.Redis;

namespace Chat.Domain.Redis;

/// <summary>
/// A Lua script of this project: a <c>.lua</c> file embedded in its assembly, with the shared prelude
/// (<c>prelude.lua</c>) in front. Every script takes KEYS and ARGV as its header comment says. StackExchange.Redis
/// sends <c>SCRIPT LOAD</c> once per connection and <c>EVALSHA</c> from then on, so the text travels once.
/// </summary>
public sealed class RedisScript
{
    private static readonly string Prelude = Read(typeof(RedisScript).Assembly, "prelude");

    private readonly string _text;

    private RedisScript(string name, string body) => (Name, _text) = (name, Prelude + "\n" + body);

    public string Name { get; }

    /// <param name="name">The file name without <c>.lua</c>.</param>
    /// <param name="assembly">Where the file is embedded (as <c>lua/NAME.lua</c>); this project's by default.</param>
    public static RedisScript Load(string name, Assembly? assembly = null) =>
        new(name, Read(assembly ?? typeof(RedisScript).Assembly, name));

    public Task<RedisResult> RunAsync(IDatabaseAsync redis, RedisKey[] keys, RedisValue[]? args = null) =>
        redis.ScriptEvaluateAsync(_text, keys, args);

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream($"lua/{name}.lua")
                           ?? throw new InvalidOperationException($"No embedded script lua/{name}.lua in {assembly.GetName().Name}.");
        return new StreamReader(stream).ReadToEnd();
    }
}
