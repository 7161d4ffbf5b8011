using System.Security.Cryptography;
using System.Text.Json;
using Chat.Api.Applications;
using Chat.Api.Chats;
using Chat.Domain.Data;
using Chat.Domain.Members;
using Chat.Domain.Messaging;
using Chat.Domain.Numbers;
using Chat.Domain.Pending;
using Chat.Domain.Redis;
using Microsoft.EntityFrameworkCore;
using StackExchange.Redis;

namespace Chat.Api.Members;

/// <summary>
/// Get-or-create of "distinct" chats: one chat per member set and application, also under concurrent requests on
/// several replicas. The member set's key (SHA-256 of the sorted ids) maps to the chat number in Redis; a miss
/// falls back to <c>chats.distinct_key</c>; creation happens under a per-key Redis lock, so concurrent first
/// requests create one chat and do not burn chat numbers (docs/decisions/0007).
/// </summary>
public sealed class DistinctChats(IDatabase redis, ChatDirectory chats, NumberAllocator numbers, MemberWrites writes,
    IDbContextFactory<ChatDbContext> db)
{
    // Longer than a creation can take (number block reservation plus a broker confirm).
    private static readonly TimeSpan LockTime = TimeSpan.FromSeconds(15);
    private static readonly TimeSpan WaitAtMost = TimeSpan.FromSeconds(20);

    /// <summary>Hex SHA-256 of the ids sorted ordinally, as a JSON array (unambiguous whatever the ids contain).</summary>
    public static string KeyOf(IEnumerable<string> members) => Convert.ToHexStringLower(
        SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(members.Order(StringComparer.Ordinal).ToArray())));

    /// <returns>The chat and whether this call created it; null if another request kept creating it for too long.</returns>
    public async Task<(KnownChat Chat, bool Created)?> GetOrCreateAsync(KnownApplication app, string? name, IReadOnlyList<string> members,
        CancellationToken ct)
    {
        var key = KeyOf(members);
        var mapping = RedisKeys.Distinct(app.Id, key);
        RedisKey creating = mapping.Append(":creating");
        var deadline = DateTime.UtcNow + WaitAtMost;
        if (await FindAsync(app, mapping, key) is { } existing) return (existing, false);
        while (true)
        {
            // While another request creates it, only the mapping can change: it is written before that lock is released.
            if (await FindMappedAsync(app, mapping) is { } created) return (created, false);
            var holder = Guid.NewGuid().ToString();
            if (await redis.LockTakeAsync(creating, holder, LockTime))
            {
                try
                {
                    // Created by the previous lock holder between our look and our lock?
                    if (await FindAsync(app, mapping, key) is { } raced) return (raced, false);
                    var number = await numbers.NextAsync(RedisKeys.ChatNumbers(app.Id), NumberAllocator.ChatScope(app.Id), ct);
                    var now = ApplicationsApi.UtcNow();
                    var chat = new ChatState(app.Id, number, Guid.NewGuid(), name, now, now, null, key);
                    await writes.AcceptNewChatAsync(chat, MemberWrites.Initial(members, now), ct);
                    await redis.StringSetAsync(mapping, number, PendingStore.Lifetime);
                    return (new KnownChat(chat, null, 0), true);
                }
                finally
                {
                    await redis.LockReleaseAsync(creating, holder);
                }
            }
            if (DateTime.UtcNow > deadline) return null;
            await Task.Delay(Random.Shared.Next(5, 20), ct);
        }
    }

    private async Task<KnownChat?> FindMappedAsync(KnownApplication app, RedisKey mapping) =>
        (int?)await redis.StringGetAsync(mapping) is { } number ? await chats.FindAsync(app, number) : null;

    private async Task<KnownChat?> FindAsync(KnownApplication app, RedisKey mapping, string key)
    {
        if (await FindMappedAsync(app, mapping) is { } chat) return chat;
        // Not in Redis (expired, lost) or deleted since: the persisted chat with this member set, if any.
        await using var context = await db.CreateDbContextAsync();
        var candidates = await context.Chats
            .Where(c => c.ApplicationId == app.Id && c.DistinctKey == key && c.DeletedAt == null)
            .OrderBy(c => c.Number).Select(c => c.Number).ToListAsync();
        foreach (var candidate in candidates)
        {
            if (await chats.FindAsync(app, candidate) is not { } persisted) continue; // its deletion is pending
            await redis.StringSetAsync(mapping, candidate, PendingStore.Lifetime);
            return persisted;
        }
        return null;
    }
}
