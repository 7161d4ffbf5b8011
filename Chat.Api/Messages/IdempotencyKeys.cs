using System.Security.Cryptography;
using System.Text;
using Chat.Domain.Redis;
using StackExchange.Redis;

namespace Chat.Api.Messages;

/// <summary>
/// <c>Idempotency-Key</c> on message creation, scoped to one chat of one application and kept 25 hours:
/// the same key and request replay the first response without allocating a number; the same key with a
/// different request is a 422; a retry that arrives while the first is still running waits for it (up to a
/// few seconds) so concurrent retries get identical answers, and only then is a 409.
/// </summary>
public sealed class IdempotencyKeys(IDatabase redis)
{
    public const string Header = "Idempotency-Key";
    public const int MaxLength = 255;
    private static readonly TimeSpan Keep = TimeSpan.FromHours(25);
    private static readonly TimeSpan WaitForFirst = TimeSpan.FromSeconds(5);

    public abstract record Outcome;
    public sealed record Proceed(RedisKey Key, string Fingerprint) : Outcome;
    public sealed record Replay(string ResponseJson) : Outcome;
    public sealed record Mismatch : Outcome;
    public sealed record StillRunning : Outcome;

    public static bool IsValid(string key) => key.Length is > 0 and <= MaxLength && key.All(c => c is >= '!' and <= '~');

    public async Task<Outcome> BeginAsync(long applicationId, int chatNumber, string key, string request, CancellationToken ct)
    {
        var redisKey = RedisKeys.Idempotency(applicationId, chatNumber, key);
        var fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(request)));
        var deadline = DateTime.UtcNow + WaitForFirst;
        while (true)
        {
            if (await redis.StringSetAsync(redisKey, $"P|{fingerprint}", Keep, When.NotExists))
                return new Proceed(redisKey, fingerprint);
            var stored = (string?)await redis.StringGetAsync(redisKey);
            if (stored is null) continue; // the first attempt failed and let go of the key: take it
            var parts = stored.Split('|', 3);
            if (parts[1] != fingerprint) return new Mismatch();
            if (parts[0] == "D") return new Replay(parts[2]);
            if (DateTime.UtcNow > deadline) return new StillRunning();
            await Task.Delay(20, ct);
        }
    }

    public Task CompleteAsync(Proceed started, string responseJson) =>
        redis.StringSetAsync(started.Key, $"D|{started.Fingerprint}|{responseJson}", Keep);

    /// <summary>The first attempt failed (e.g. 503): a retry with the same key must be free to try again.</summary>
    public Task AbandonAsync(Proceed started) => redis.KeyDeleteAsync(started.Key);
}
