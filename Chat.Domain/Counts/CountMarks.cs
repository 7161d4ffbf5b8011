using Chat.Domain.Redis;
using StackExchange.Redis;

namespace Chat.Domain.Counts;

/// <summary>
/// The "changed since the last reconciliation" marks: Redis sets of application ids (their chats changed) and
/// chat ids (their messages changed). The worker adds marks after it commits a batch and before it acks it, so
/// a crash in between redelivers the batch and marks again. The reconciliation job takes the marks into
/// processing sets, recounts those rows and only then forgets them: a failed or crashed run leaves its marks
/// for the next run. All keys share the hash tag <c>{counts}</c>, so the scripts stay valid on a Redis Cluster.
/// </summary>
public sealed class CountMarks(IDatabase redis)
{
    public static readonly RedisKey DirtyApplications = "{counts}:dirty-apps";
    public static readonly RedisKey DirtyChats = "{counts}:dirty-chats";
    public static readonly RedisKey ProcessingApplications = "{counts}:processing-apps";
    public static readonly RedisKey ProcessingChats = "{counts}:processing-chats";
    /// <summary>Held by the run in progress: one run at a time across every worker replica.</summary>
    public static readonly RedisKey RunLock = "{counts}:lock";

    private static readonly RedisScript Take = RedisScript.Load("counts_take");
    private static readonly RedisScript GiveBack = RedisScript.Load("counts_give_back");
    private static readonly RedisKey[] Keys = [DirtyApplications, DirtyChats, ProcessingApplications, ProcessingChats];

    /// <summary>
    /// Marks applications whose chats and chats whose messages were created or deleted. Call it after the
    /// commit and before the ack, also for batches that turned out to be duplicates. Both SADDs go out in one
    /// pipeline.
    /// </summary>
    public async Task MarkAsync(IEnumerable<long> applicationIds, IEnumerable<long> chatIds)
    {
        var apps = applicationIds.Distinct().Select(id => (RedisValue)id).ToArray();
        var chats = chatIds.Distinct().Select(id => (RedisValue)id).ToArray();
        var batch = redis.CreateBatch();
        var sent = new List<Task>(2);
        if (apps.Length > 0) sent.Add(batch.SetAddAsync(DirtyApplications, apps));
        if (chats.Length > 0) sent.Add(batch.SetAddAsync(DirtyChats, chats));
        if (sent.Count == 0) return;
        batch.Execute();
        await Task.WhenAll(sent);
    }

    /// <summary>Moves every mark into the processing sets (together with any a previous run left there).</summary>
    public async Task<MarkedIds> TakeAsync()
    {
        await Take.RunAsync(redis, Keys);
        var apps = redis.SetMembersAsync(ProcessingApplications);
        var chats = redis.SetMembersAsync(ProcessingChats);
        return new MarkedIds(Ids(await apps), Ids(await chats));
    }

    /// <summary>Forgets marks whose rows were recounted (after the recount committed).</summary>
    public Task DoneAsync(RedisKey processing, IReadOnlyCollection<long> ids) =>
        ids.Count == 0 ? Task.CompletedTask : redis.SetRemoveAsync(processing, ids.Select(id => (RedisValue)id).ToArray());

    /// <summary>
    /// Puts what a failed run did not finish back among the marks. If even this fails (Redis is down), the marks
    /// stay in the processing sets and the next <see cref="TakeAsync"/> picks them up.
    /// </summary>
    public Task GiveBackAsync() => GiveBack.RunAsync(redis, Keys);

    /// <summary>How many marks are waiting, taken or not: for tests, logs and the benchmark.</summary>
    public async Task<long> PendingAsync()
    {
        var counts = await Task.WhenAll(
            redis.SetLengthAsync(DirtyApplications), redis.SetLengthAsync(DirtyChats),
            redis.SetLengthAsync(ProcessingApplications), redis.SetLengthAsync(ProcessingChats));
        return counts.Sum();
    }

    // Sorted: neighbouring ids share index pages, and chunks lock rows in a consistent order.
    private static long[] Ids(RedisValue[] members)
    {
        var ids = new List<long>(members.Length);
        foreach (var member in members)
            if (member.TryParse(out long id)) ids.Add(id);
        ids.Sort();
        return ids.ToArray();
    }
}

/// <summary>The ids a run recounts: applications for <c>chats_count</c>, chats for <c>messages_count</c>.</summary>
public sealed record MarkedIds(IReadOnlyList<long> ApplicationIds, IReadOnlyList<long> ChatIds);
