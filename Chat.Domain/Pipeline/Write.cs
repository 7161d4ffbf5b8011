using Chat.Contracts;

namespace Chat.Domain.Pipeline;

/// <summary>One accepted state of one kind in its scope: what the pipeline stores, publishes, persists and releases.</summary>
/// <param name="Base">The version of the state this one replaces, as its writer read it (0 for a new thing).</param>
/// <param name="Event">The change-feed entry type the write records (null: none, as for a feed entry itself).</param>
/// <param name="Seq">Its change-feed position, once accepted (0 before).</param>
public sealed record Write(WriteKind Kind, Scope Scope, object State, long Base = 0, string? Event = null, long Seq = 0)
{
    public string Field => Kind.FieldOf(State);

    /// <summary>The state's version in microseconds: how Redis, the outbox and the release compare states.</summary>
    public long Version => Versions.Of(Kind.VersionOf(State));

    public OutboxLine Line => new(Kind.Code, Version, Scope.ChatNumber, Field);

    public T StateAs<T>() where T : class => (T)State;

    /// <summary>The same thing in another state.</summary>
    public Write With(object state) => this with { State = state };
}
