using Chat.Contracts;

namespace Chat.Domain.Pipeline;

/// <summary>
/// Every kind of write, and the one mapping between them and the commands on the queue: the API and the outbox
/// sweeper build commands from writes here, the worker decodes commands into writes here.
/// </summary>
public static class Kinds
{
    public static readonly ChatKind Chat = new();
    public static readonly MessageKind Message = new();
    public static readonly MemberKind Member = new();
    public static readonly ReactionKind Reaction = new();
    public static readonly FeedEventKind FeedEvent = new();

    /// <summary>
    /// In the order the worker persists them: chats first, since the others need their chat's row; feed entries last,
    /// since they are written only with their change.
    /// </summary>
    public static readonly IReadOnlyList<WriteKind> All = [Chat, Message, Member, Reaction, FeedEvent];

    public static WriteKind? ByCode(char code) => All.FirstOrDefault(k => k.Code == code);

    public static IReadOnlyList<Write> WritesOf(Command command) => [.. StatesOf(command), .. (command.Events ?? []).Select(FeedEvent.Write)];

    private static IEnumerable<Write> StatesOf(Command command) => command switch
    {
        ChatChanged c => [Chat.Write(c.Chat), .. (c.Members ?? []).Select(m => Member.Write(ChatScope(c.Chat), m))],
        MessageChanged m => [Message.Write(m.Message), .. (m.Members ?? []).Select(member => Member.Write(new Scope(m.Message.ApplicationId, m.Message.ChatNumber), member))],
        MembersChanged m => m.Members.Select(member => Member.Write(new Scope(m.ApplicationId, m.ChatNumber), member)),
        ReactionsChanged r => r.Reactions.Select(reaction => Reaction.Write(new Scope(r.ApplicationId, r.ChatNumber), reaction)),
        _ => [],
    };

    /// <summary>
    /// The commands that carry these writes: one per chat (with the members of that chat among the writes, so a new
    /// chat and its first members are accepted or refused together), one per message (with its sender's cursors), one
    /// per chat's other members;
    /// each with the feed entries its writes recorded. Feed entries on their own (re-published) travel together.
    /// </summary>
    public static IEnumerable<Command> CommandsFor(IReadOnlyCollection<Write> writes)
    {
        foreach (var (command, carried) in StateCommandsFor(writes.Where(w => w.Kind != FeedEvent).ToList()))
        {
            var recorded = carried.Where(w => w.Seq > 0).Select(FeedEvent.EventOf).ToList();
            yield return recorded.Count > 0 ? command with { Events = recorded } : command;
        }
        var entries = writes.Where(w => w.Kind == FeedEvent).Select(w => w.StateAs<FeedEvent>()).ToList();
        if (entries.Count > 0) yield return new FeedEventsRecorded(Guid.NewGuid()) { Events = entries };
    }

    private static IEnumerable<(Command Command, IReadOnlyList<Write> Carried)> StateCommandsFor(IReadOnlyCollection<Write> writes)
    {
        var members = writes.Where(w => w.Kind == Member).ToList();
        foreach (var write in writes.Where(w => w.Kind == Chat))
        {
            var chat = write.StateAs<ChatState>();
            var own = members.Where(m => m.Scope == ChatScope(chat)).ToList();
            members.RemoveAll(own.Contains);
            yield return (new ChatChanged(Guid.NewGuid(), ChangeOf(chat.CreatedAt, chat.UpdatedAt, chat.DeletedAt), chat,
                own.Count > 0 ? own.Select(m => m.StateAs<MemberState>()).ToList() : null), [write, .. own]);
        }
        foreach (var write in writes.Where(w => w.Kind == Message))
        {
            var message = write.StateAs<MessageState>();
            var own = members.Where(m => m.Scope == write.Scope).ToList();
            members.RemoveAll(own.Contains);
            yield return (new MessageChanged(Guid.NewGuid(), ChangeOf(message.CreatedAt, message.UpdatedAt, message.DeletedAt), message,
                own.Count > 0 ? own.Select(m => m.StateAs<MemberState>()).ToList() : null), [write, .. own]);
        }
        foreach (var chat in members.GroupBy(m => m.Scope))
            yield return (new MembersChanged(Guid.NewGuid(), chat.Key.ApplicationId, chat.Key.ChatNumber,
                chat.Select(m => m.StateAs<MemberState>()).ToList()), chat.ToList());
        foreach (var chat in writes.Where(w => w.Kind == Reaction).GroupBy(r => r.Scope))
            yield return (new ReactionsChanged(Guid.NewGuid(), chat.Key.ApplicationId, chat.Key.ChatNumber,
                chat.Select(r => r.StateAs<ReactionState>()).ToList()), chat.ToList());
    }

    /// <summary>The scope of the things that live in a chat (its messages and members).</summary>
    public static Scope ChatScope(ChatState chat) => new(chat.ApplicationId, chat.Number);

    private static Change ChangeOf(DateTime createdAt, DateTime updatedAt, DateTime? deletedAt) =>
        deletedAt is not null ? Change.Deleted : updatedAt == createdAt ? Change.Created : Change.Updated;
}
