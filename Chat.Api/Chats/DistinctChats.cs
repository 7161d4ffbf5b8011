using System.Security.Cryptography;
using System.Text.Json;
using Chat.Api.Shared;
using Chat.Contracts;
using Chat.Domain.Data;
using Chat.Domain.Numbers;
using Chat.Domain.Pipeline;
using Chat.Domain.Resilience;
using Microsoft.EntityFrameworkCore;
using Polly;
using StackExchange.Redis;

namespace Chat.Api.Chats;

/// <summary>
/// Get-or-create of "distinct" chats: one chat per member set and application, also under concurrent requests on
/// several replicas. The member set's key (SHA-256 of the sorted ids) maps to the chat number in Redis; a miss
/// falls back to <c>chats.distinct_key</c>; creation happens under a per-key Redis lock, so concurrent first
/// requests create one chat and do not burn chat numbers (docs/decisions/0007).
/// </summary>
public sealed class DistinctChats(IDatabase redis, ChatDirectory chats, NumberAllocator numbers, Acceptance acceptance, Versions versions,
    IDbContextFactory<ChatDbContext> db)
{
    // Longer than a creation can take (number block reservation plus a broker confirm).
    private static readonly TimeSpan LockTime = TimeSpan.FromSeconds(15);

    /// <summary>While another request creates the chat, look for it every few milliseconds, for up to 20 s.</summary>
    private static readonly ResiliencePipeline<Outcome?> WaitForCreator = Retries.WaitFor<Outcome?>(o => o is null,
        TimeSpan.FromSeconds(20), TimeSpan.FromMilliseconds(5), TimeSpan.FromMilliseconds(50));

    private sealed record Outcome(KnownChat Chat, bool Created);

    /// <summary>Hex SHA-256 of the ids sorted ordinally, as a JSON array (unambiguous whatever the ids contain).</summary>
    public static string KeyOf(IEnumerable<string> members) => Convert.ToHexStringLower(
        SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(members.Order(StringComparer.Ordinal).ToArray())));

    /// <returns>The chat and whether this call created it; null if another request kept creating it for too long.</returns>
    public async Task<(KnownChat Chat, bool Created)?> GetOrCreateAsync(KnownApplication app, string? name, IReadOnlyList<string> members,
        CancellationToken ct)
    {
        var key = KeyOf(members);
        var mapping = RedisKeys.Distinct(app.Id, key);
        if (await FindAsync(app, mapping, key) is { } existing) return (existing, false);
        var outcome = await WaitForCreator.ExecuteAsync(async token => await TryCreateAsync(app, name, members, key, mapping, token), ct);
        return outcome is null ? null : (outcome.Chat, outcome.Created);
    }

    /// <returns>The chat, found or created; null while another request holds the lock.</returns>
    private async Task<Outcome?> TryCreateAsync(KnownApplication app, string? name, IReadOnlyList<string> members, string key, string mapping,
        CancellationToken ct)
    {
        // While another request creates it, only the mapping can change: it is written before that lock is released.
        if (await FindMappedAsync(app, mapping) is { } created) return new Outcome(created, false);
        var creating = mapping + ":creating";
        var holder = Guid.NewGuid().ToString();
        if (!await redis.LockTakeAsync(creating, holder, LockTime)) return null;
        try
        {
            // Created by the previous lock holder between our look and our lock?
            if (await FindAsync(app, mapping, key) is { } raced) return new Outcome(raced, false);
            var number = await numbers.NextChatAsync(app.Id, ct);
            var now = versions.Now();
            var chat = new ChatState(app.Id, number, Guid.NewGuid(), name, now, now, null, key);
            await acceptance.AcceptAsync([Kinds.Chat.Write(chat), .. MemberStates.Initial(chat, members)], ct);
            await redis.StringSetAsync(mapping, number, PendingStore.Lifetime);
            var known = new KnownChat(chat, null, 0);
            chats.Remember(known);
            return new Outcome(known, true);
        }
        finally
        {
            await redis.LockReleaseAsync(creating, holder);
        }
    }

    private async Task<KnownChat?> FindMappedAsync(KnownApplication app, string mapping) =>
        (int?)await redis.StringGetAsync(mapping) is { } number ? await chats.FindAsync(app, number) : null;

    private async Task<KnownChat?> FindAsync(KnownApplication app, string mapping, string key)
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
