using StackExchange.Redis;

namespace Chat.Domain.Redis;

/// <summary>
/// Every key of one application carries the hash tag <c>{a:ID}</c>, so a Redis Cluster keeps an application's
/// counters, pending writes and caches in one slot and the multi-key scripts stay valid there.
/// </summary>
public static class RedisKeys
{
    private static string App(long applicationId) => $"{{a:{applicationId}}}";

    public static RedisKey ApplicationByToken(string token) => $"app-token:{token}";

    public static RedisKey ChatNumbers(long applicationId) => $"{App(applicationId)}:chat-seq";
    public static RedisKey MessageNumbers(long applicationId, int chatNumber) => $"{App(applicationId)}:c:{chatNumber}:msg-seq";

    public static RedisKey Chat(long applicationId, int chatNumber) => $"{App(applicationId)}:c:{chatNumber}";
    public static RedisKey PendingChats(long applicationId) => $"{App(applicationId)}:pending-chats";
    public static RedisKey PendingMessages(long applicationId, int chatNumber) => $"{App(applicationId)}:c:{chatNumber}:pending-msgs";

    public static RedisKey PendingMembers(long applicationId, int chatNumber) => $"{App(applicationId)}:c:{chatNumber}:pending-members";
    public static RedisKey PendingUserChats(long applicationId, string user) => $"{App(applicationId)}:u:{user}:pending-chats";
    public static RedisKey Cursors(long applicationId, int chatNumber) => $"{App(applicationId)}:c:{chatNumber}:cursors";
    public static RedisKey MembersCache(long applicationId, int chatNumber) => $"{App(applicationId)}:c:{chatNumber}:members";
    public static RedisKey MembersGeneration(long applicationId, int chatNumber) => $"{App(applicationId)}:c:{chatNumber}:members-gen";
    public static RedisKey Distinct(long applicationId, string distinctKey) => $"{App(applicationId)}:distinct:{distinctKey}";
    public static RedisKey Presence(long applicationId, string user) => $"{App(applicationId)}:u:{user}:presence";
    public static RedisKey LastSeen(long applicationId, string user) => $"{App(applicationId)}:u:{user}:last-seen";

    /// <summary>The application's accepted states not yet known to be persisted, scored by when they were last published (see OutboxEntry).</summary>
    public static RedisKey Outbox(long applicationId) => $"{App(applicationId)}:outbox";
    public static RedisKey OutboxTries(long applicationId) => $"{App(applicationId)}:outbox-tries";

    /// <summary>Applications whose outbox may hold entries, scored by its oldest. The one key without a hash tag: it spans applications.</summary>
    public static readonly RedisKey OutboxApplications = "outbox-apps";

    public static RedisKey Idempotency(long applicationId, int chatNumber, string key) => $"{App(applicationId)}:c:{chatNumber}:idem:{key}";
}
