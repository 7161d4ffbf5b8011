namespace Chat.Contracts;

/// <summary>
/// Every key of one application carries the hash tag <c>{a:ID}</c>, so a Redis Cluster keeps an application's
/// counters, pending writes and caches in one slot and the multi-key scripts stay valid there.
/// </summary>
public static class RedisKeys
{
    private static string App(long applicationId) => $"{{a:{applicationId}}}";

    public static string ApplicationByToken(string token) => $"app-token:{token}";

    public static string ChatNumbers(long applicationId) => $"{App(applicationId)}:chat-seq";
    public static string MessageNumbers(long applicationId, int chatNumber) => $"{App(applicationId)}:c:{chatNumber}:msg-seq";

    /// <summary>The cached persisted chat row.</summary>
    public static string Chat(long applicationId, int chatNumber) => $"{App(applicationId)}:c:{chatNumber}";

    /// <summary>The cached persisted members of a chat.</summary>
    public static string MembersCache(long applicationId, int chatNumber) => $"{App(applicationId)}:c:{chatNumber}:roster";

    /// <summary>
    /// Raised by the worker whenever it releases a pending chat state after its commit: a cached copy of the chat's
    /// persisted row counts only while this is unchanged since it was loaded.
    /// </summary>
    public static string ChatGeneration(long applicationId, int chatNumber) => $"{App(applicationId)}:c:{chatNumber}:gen";

    /// <summary>
    /// The same for the chat's members, raised when the worker moves cursors itself (SenderCursors). Releasing a member
    /// state does not raise it: the state goes to <see cref="ReleasedMembers"/> instead, which readers merge over their
    /// copy, because a sender's cursors move with every message and the copy would otherwise never last.
    /// </summary>
    public static string MembersGeneration(long applicationId, int chatNumber) => $"{App(applicationId)}:c:{chatNumber}:members-gen";

    /// <summary>The member states of a chat the worker released after its commit, by user (docs/decisions/0010, "Releasing").</summary>
    public static string ReleasedMembers(long applicationId, int chatNumber) => $"{App(applicationId)}:c:{chatNumber}:members-released";

    /// <summary>A chat's last known state (JSON), kept while the chat is in use: it answers lookups while MySQL is away.</summary>
    public static string ChatLastKnown(long applicationId, int chatNumber) => $"{App(applicationId)}:c:{chatNumber}:known";

    // Pending states (hash field → "version|flag|json"); each hash has a sorted-set index under PendingIndex(hash).
    public static string PendingChats(long applicationId) => $"{App(applicationId)}:pending-chats";
    public static string PendingMessages(long applicationId, int chatNumber) => $"{App(applicationId)}:c:{chatNumber}:pending-msgs";
    public static string PendingMembers(long applicationId, int chatNumber) => $"{App(applicationId)}:c:{chatNumber}:pending-members";
    public static string PendingUserChats(long applicationId, string user) => $"{App(applicationId)}:u:{user}:pending-chats";
    public static string PendingReactions(long applicationId, int chatNumber) => $"{App(applicationId)}:c:{chatNumber}:pending-reactions";
    public static string PendingFeed(long applicationId) => $"{App(applicationId)}:pending-feed";
    public static string PendingIndex(string pendingHash) => $"{pendingHash}:idx";

    /// <summary>The application's change-feed positions: a block reserved durably, as for numbers (docs/decisions/0015).</summary>
    public static string FeedSeq(long applicationId) => $"{App(applicationId)}:feed-seq";

    public static string Distinct(long applicationId, string distinctKey) => $"{App(applicationId)}:distinct:{distinctKey}";
    public static string Presence(long applicationId, string user) => $"{App(applicationId)}:u:{user}:presence";
    public static string LastSeen(long applicationId, string user) => $"{App(applicationId)}:u:{user}:last-seen";

    /// <summary>The application's accepted states not yet known to be persisted, scored by when they were last published (see <see cref="OutboxLine"/>).</summary>
    public static string Outbox(long applicationId) => $"{App(applicationId)}:outbox";
    public static string OutboxTries(long applicationId) => $"{App(applicationId)}:outbox-tries";

    /// <summary>Applications whose outbox may hold entries, scored by its oldest. The one key without a hash tag: it spans applications.</summary>
    public const string OutboxApplications = "outbox-apps";

    public static string Idempotency(long applicationId, int chatNumber, string key) => $"{App(applicationId)}:c:{chatNumber}:idem:{key}";
}
