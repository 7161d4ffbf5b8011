using Chat.Contracts;
using Chat.Domain.Pipeline;

namespace Chat.Worker.Persistence;

/// <summary>What became of one batch: what was written, and the commands that must wait or be dead-lettered.</summary>
public sealed class BatchOutcome
{
    /// <summary>Every write now reflected in MySQL (or settled with its deleted chat): its pending copy and outbox line go.</summary>
    public List<Write> Persisted { get; } = [];

    /// <summary>What the upserts wrote: one state per thing (the batch's coalesced newest), with its chat row.</summary>
    public List<Persisting> Written { get; } = [];

    /// <summary>Chats whose member rows the batch changed beyond the writes it carried: their cached rosters go.</summary>
    public List<(long App, int Chat)> RaisedCursors { get; } = [];

    /// <summary>Commands whose chat row does not exist yet: they go round the retry queue.</summary>
    public List<Command> Waiting { get; } = [];

    public List<(Command Command, string Reason)> Rejected { get; } = [];

    private readonly HashSet<Command> _held = new(ReferenceEqualityComparer.Instance);

    /// <summary>Row ids of chats now deleted, whose messages are purged after the commit.</summary>
    public HashSet<long> DeletedChatRows { get; } = [];

    public HashSet<long> DeletedApplications { get; } = [];

    public IEnumerable<ChatState> Chats => WrittenOf<ChatState>(Kinds.Chat);
    public IEnumerable<MessageState> Messages => WrittenOf<MessageState>(Kinds.Message);

    /// <summary>Applications whose chats changed and chats whose messages changed: their counts are reconciled (docs/decisions/0005).</summary>
    public IEnumerable<long> TouchedApplications => Chats.Select(c => c.ApplicationId).Distinct();
    public IEnumerable<long> TouchedChatRows => Written.Where(w => w.Write.Kind == Kinds.Message).Select(w => w.ChatRow).Distinct();

    /// <summary>Whether the command is not written in this batch (it waits, or it was rejected).</summary>
    public bool Holds(Command command) => _held.Contains(command);

    public void Wait(Command command)
    {
        if (_held.Add(command)) Waiting.Add(command);
    }

    public void Reject(Command command, string reason)
    {
        if (_held.Add(command)) Rejected.Add((command, reason));
    }

    /// <summary>Adds another outcome's parts to this one (a batch written one command at a time).</summary>
    public void Add(BatchOutcome other)
    {
        Persisted.AddRange(other.Persisted);
        Written.AddRange(other.Written);
        foreach (var command in other.Waiting) Wait(command);
        foreach (var (command, reason) in other.Rejected) Reject(command, reason);
        DeletedChatRows.UnionWith(other.DeletedChatRows);
        DeletedApplications.UnionWith(other.DeletedApplications);
        RaisedCursors.AddRange(other.RaisedCursors);
    }

    private IEnumerable<T> WrittenOf<T>(WriteKind kind) where T : class =>
        Written.Where(w => w.Write.Kind == kind).Select(w => w.Write.StateAs<T>());
}
