using Chat.Contracts;
using Chat.Domain.Data;
using Chat.Domain.Redis;
using Microsoft.EntityFrameworkCore;

namespace Chat.Api.Shared;

/// <summary>Resolves application tokens, from Redis when it can: every request under <c>/applications/{token}</c> starts here.</summary>
public sealed class ApplicationDirectory(RedisCache cache, IDbContextFactory<ChatDbContext> db, TimeProvider time)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(5);

    /// <summary>The live application whose token this is, or whose previous token it is while that token's grace lasts.</summary>
    public async Task<KnownApplication?> FindAsync(string token)
    {
        if (!ApplicationToken.IsWellFormed(token)) return null;
        var found = await cache.GetOrLoadAsync("application", RedisKeys.ApplicationByToken(token), Ttl, async () =>
        {
            await using var context = await db.CreateDbContextAsync();
            return await context.Applications
                .Where(a => (a.Token == token || a.PreviousToken == token) && a.DeletedAt == null)
                .Select(a => new KnownApplication(a.Id, a.Token, a.Name, a.ChatsCount, a.CreatedAt, a.UpdatedAt)
                {
                    Access = new ApplicationAccess(a.AuthMode, a.SecretSealed, a.PreviousSecretSealed, a.PreviousSecretUntil,
                        a.PreviousToken, a.PreviousTokenUntil, a.UserTokensRevokedBefore),
                })
                .SingleOrDefaultAsync();
        });
        // The grace of a previous token is checked on every look-up: a cached copy may outlive it.
        if (found is null || found.Token == token) return found;
        return found.Access.PreviousToken == token && time.GetUtcNow().UtcDateTime < found.Access.PreviousTokenUntil
            ? found with { Token = token }
            : null;
    }

    /// <summary>Drops the cached copies under these tokens (an application's current and previous ones): after any change of it.</summary>
    public Task ForgetAsync(params string?[] tokens) =>
        Task.WhenAll(tokens.OfType<string>().Distinct().Select(t => cache.EvictAsync(RedisKeys.ApplicationByToken(t))));
}
