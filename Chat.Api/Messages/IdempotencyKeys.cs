using System.Security.Cryptography;
using System.Text;
using Chat.Contracts;
using Chat.Domain.Resilience;
using Polly;
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

    /// <summary>A retry that arrives while the first is running looks again every few milliseconds for up to 5 s.</summary>
    private static readonly ResiliencePipeline<Outcome?> WaitForFirst =
        Retries.WaitFor<Outcome?>(o => o is null, TimeSpan.FromSeconds(5), TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(50));

    public abstract record Outcome;
    public sealed record Proceed(string Key, string Fingerprint) : Outcome;
    public sealed record Replay(string ResponseJson) : Outcome;
    public sealed record Mismatch : Outcome;
    public sealed record StillRunning : Outcome;

    public static bool IsValid(string key) => key.Length is > 0 and <= MaxLength && key.All(c => c is >= '!' and <= '~');

    public async Task<Outcome> BeginAsync(long applicationId, int chatNumber, string key, string request, CancellationToken ct)
    {
        var redisKey = RedisKeys.Idempotency(applicationId, chatNumber, key);
        var fingerprint = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(request)));
        return await WaitForFirst.ExecuteAsync(async _ => await TryBeginAsync(redisKey, fingerprint), ct) ?? new StillRunning();
    }

    /// <returns>What to do, or null while the first request with this key is still running.</returns>
    private async Task<Outcome?> TryBeginAsync(string redisKey, string fingerprint)
    {
        if (await redis.StringSetAsync(redisKey, $"P|{fingerprint}", Keep, When.NotExists)) return new Proceed(redisKey, fingerprint);
        // Gone meanwhile: the first attempt failed and let go of the key; the next try takes it.
        if ((string?)await redis.StringGetAsync(redisKey) is not { } stored) return null;
        var parts = stored.Split('|', 3);
        if (parts[1] != fingerprint) return new Mismatch();
        return parts[0] == "D" ? new Replay(parts[2]) : null;
    }

    public Task CompleteAsync(Proceed started, string responseJson) =>
        redis.StringSetAsync(started.Key, $"D|{started.Fingerprint}|{responseJson}", Keep);

    /// <summary>The first attempt failed (e.g. 503): a retry with the same key must be free to try again.</summary>
    public Task AbandonAsync(Proceed started) => redis.KeyDeleteAsync(started.Key);
}
