using Chat.Contracts;
using Chat.Domain.Data;
using Chat.Domain.Redis;
using Microsoft.EntityFrameworkCore;

namespace Chat.Api.Shared;

/// <summary>Resolves application tokens, from Redis when it can: every request under <c>/applications/{token}</c> starts here.</summary>
public sealed class ApplicationDirectory(RedisCache cache, IDbContextFactory<ChatDbContext> db)
{
    private static readonly TimeSpan Ttl = TimeSpan.FromMinutes(5);

    public async Task<KnownApplication?> FindAsync(string token)
    {
        if (!ApplicationToken.IsWellFormed(token)) return null;
        return await cache.GetOrLoadAsync("application", RedisKeys.ApplicationByToken(token), Ttl, async () =>
        {
            await using var context = await db.CreateDbContextAsync();
            return await context.Applications
                .Where(a => a.Token == token && a.DeletedAt == null)
                .Select(a => new KnownApplication(a.Id, a.Token, a.Name, a.ChatsCount, a.CreatedAt, a.UpdatedAt))
                .SingleOrDefaultAsync();
        });
    }

    public Task ForgetAsync(string token) => cache.EvictAsync(RedisKeys.ApplicationByToken(token));
}
