using Chat.Domain.Data;

namespace Chat.Domain.Pipeline;

/// <summary>Where accepted states of an application live: the application itself (chat 0: its chats) or one of its chats.</summary>
public readonly record struct Scope(long ApplicationId, int ChatNumber);

/// <summary>One place a pending state is kept: a field of a Redis hash, and its score in the hash's index (null: no index).</summary>
public readonly record struct PendingView(string Hash, string Field, double? Score);

/// <summary>
/// A kind of write (chat, message, member, …) described once for the whole pipeline (docs/decisions/0010): where its
/// pending states live, how two of its states combine, which command carries it and how the worker upserts it.
/// </summary>
public abstract class WriteKind
{
    /// <summary>The kind's letter in outbox lines.</summary>
    public abstract char Code { get; }

    /// <summary>A hidden state of this kind (deleted) is final: nothing replaces it, in Redis as in MySQL.</summary>
    public abstract bool HiddenIsFinal { get; }

    /// <summary>Whether the worker needs the state's chat row (messages, members); chats are the chat rows.</summary>
    public virtual bool LivesInAChat => true;

    /// <summary>The hash that holds the kind's pending states of one scope, by field (the first of its views).</summary>
    public abstract string PendingHash(Scope scope);

    // The pipeline's own code (PendingStore, the worker, the sweeper) works on states of any kind through these.
    public abstract string FieldOf(object state);
    public abstract DateTime VersionOf(object state);
    public abstract bool Hides(object state);
    public abstract IEnumerable<PendingView> ViewsOf(Scope scope, object state);
    public abstract string? GenerationOf(Scope scope, object state);

    /// <summary>
    /// A hash that keeps, by field, the latest state of the scope the worker released (null: none). A reader that caches
    /// persisted rows merges it over its copy, so a release needs no invalidation of that copy: for things that change
    /// with every message (a sender's cursors), where a raised generation would leave the copy almost never valid.
    /// </summary>
    public virtual string? ReleasedCopyOf(Scope scope) => null;
    public abstract object Combine(object current, object other);
    public abstract object WithVersion(object state, DateTime version);
    public abstract object Parse(string json);
    public abstract string Serialize(object state);

    /// <summary>A pending state as read back from the field it is kept under (a feed entry's position is its field).</summary>
    public virtual object Restore(string field, object state) => state;

    /// <summary>The change-feed entry type of a new state (docs/decisions/0015), or null for a kind that has none.</summary>
    public abstract string? EventTypeOf(object state, object? basedOn);

    /// <summary>What a change-feed entry of the state is about: its chat, and the message number or user it names.</summary>
    public abstract FeedSubject SubjectOf(Scope scope, object state);

    /// <summary>States of this kind that reuse a key under another identity (a numbering collision), with the reason.</summary>
    public virtual Task<IReadOnlyList<(Persisting Write, string Reason)>> CollisionsAsync(Sql sql, IReadOnlyList<Persisting> writes, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<(Persisting, string)>>([]);

    /// <summary>One set-based statement for a batch's coalesced states (one per key), applied only where newer.</summary>
    public abstract Task UpsertAsync(Sql sql, IReadOnlyList<Persisting> writes, CancellationToken ct);
}

/// <summary>What a change-feed entry is about.</summary>
public readonly record struct FeedSubject(int ChatNumber, int? Number, string? User);

/// <summary>A write the worker persists, with the row id of its chat (0 for a chat itself).</summary>
public sealed record Persisting(Write Write, long ChatRow);

/// <typeparam name="TState">The whole state a command carries (docs/decisions/0004).</typeparam>
public abstract class WriteKind<TState> : WriteKind where TState : class
{
    public abstract string FieldOf(TState state);
    /// <summary>When the state was accepted: every newer state of the same thing has a later one (see <see cref="Versions"/>).</summary>
    public abstract DateTime VersionOf(TState state);

    /// <summary>The same state at a later version (after it was combined with a state that overtook it).</summary>
    public abstract TState WithVersion(TState state, DateTime version);
    public abstract bool Hides(TState state);

    /// <summary>Where a state is pending; the first view is <see cref="WriteKind.PendingHash"/>.</summary>
    public abstract IEnumerable<PendingView> ViewsOf(Scope scope, TState state);

    /// <summary>The generation key of a cached row that changes when this state is persisted (null: none is cached).</summary>
    public virtual string? GenerationOf(Scope scope, TState state) => null;

    /// <summary>
    /// Two states of the same thing as one. By default the newer wins (the other on a tie) and a final hidden state
    /// is never replaced: last writer wins, as the worker's upsert does.
    /// </summary>
    public virtual TState Combine(TState current, TState other) =>
        HiddenIsFinal && Hides(current) && !Hides(other) ? current
        : HiddenIsFinal && Hides(other) && !Hides(current) ? other
        : VersionOf(other) >= VersionOf(current) ? other : current;

    /// <param name="basedOn">The state this one replaces, as the caller read it: if a newer one was accepted meanwhile,
    /// the two are combined (<see cref="Acceptance"/>). Null for a new thing.</param>
    public Write Write(Scope scope, TState state, TState? basedOn = null) =>
        new(this, scope, state, basedOn is null ? 0 : Versions.Of(VersionOf(basedOn)), EventTypeOf(state, basedOn));

    /// <inheritdoc cref="WriteKind.EventTypeOf"/>
    public virtual string? EventTypeOf(TState state, TState? basedOn) => null;

    /// <inheritdoc cref="WriteKind.SubjectOf"/>
    public virtual FeedSubject SubjectOf(Scope scope, TState state) => new(scope.ChatNumber, null, null);

    /// <summary>The usual types of a thing that is created, changed and deleted: <c>{prefix}.created|updated|deleted</c>.</summary>
    protected string LifecycleEventOf(string prefix, TState state, TState? basedOn) =>
        Hides(state) ? $"{prefix}.deleted" : basedOn is null ? $"{prefix}.created" : $"{prefix}.updated";

    public sealed override string FieldOf(object state) => FieldOf((TState)state);
    public sealed override DateTime VersionOf(object state) => VersionOf((TState)state);
    public sealed override bool Hides(object state) => Hides((TState)state);
    public sealed override IEnumerable<PendingView> ViewsOf(Scope scope, object state) => ViewsOf(scope, (TState)state);
    public sealed override string? GenerationOf(Scope scope, object state) => GenerationOf(scope, (TState)state);
    public sealed override object Combine(object current, object other) => Combine((TState)current, (TState)other);
    public sealed override object WithVersion(object state, DateTime version) => WithVersion((TState)state, version);
    public sealed override object Parse(string json) => PendingValue.Deserialize<TState>(json);
    public sealed override string Serialize(object state) => PendingValue.Serialize((TState)state);
    public sealed override string? EventTypeOf(object state, object? basedOn) => EventTypeOf((TState)state, (TState?)basedOn);
    public sealed override FeedSubject SubjectOf(Scope scope, object state) => SubjectOf(scope, (TState)state);
}
