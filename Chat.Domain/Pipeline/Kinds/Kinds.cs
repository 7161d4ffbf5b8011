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

    /// <summary>In the order the worker persists them: chats first, since the others need their chat's row.</summary>
    public static readonly IReadOnlyList<WriteKind> All = [Chat, Message, Member];

    public static WriteKind? ByCode(char code) => All.FirstOrDefault(k => k.Code == code);

    public static IReadOnlyList<Write> WritesOf(Command command) => command switch
    {
        ChatChanged c => [Chat.Write(c.Chat), .. (c.Members ?? []).Select(m => Member.Write(ChatScope(c.Chat), m))],
        MessageChanged m => [Message.Write(m.Message)],
        MembersChanged m => m.Members.Select(member => Member.Write(new Scope(m.ApplicationId, m.ChatNumber), member)).ToList(),
        _ => [],
    };

    /// <summary>
    /// The commands that carry these writes: one per chat (with the members of that chat among the writes, so a new
    /// chat and its first members are accepted or refused together), one per message, one per chat's other members.
    /// </summary>
    public static IEnumerable<Command> CommandsFor(IReadOnlyCollection<Write> writes)
    {
        var members = writes.Where(w => w.Kind == Member).ToList();
        foreach (var chat in writes.Where(w => w.Kind == Chat).Select(w => w.StateAs<ChatState>()))
        {
            var own = members.Where(m => m.Scope == ChatScope(chat)).ToList();
            members.RemoveAll(own.Contains);
            yield return new ChatChanged(Guid.NewGuid(), ChangeOf(chat.CreatedAt, chat.UpdatedAt, chat.DeletedAt), chat,
                own.Count > 0 ? own.Select(m => m.StateAs<MemberState>()).ToList() : null);
        }
        foreach (var message in writes.Where(w => w.Kind == Message).Select(w => w.StateAs<MessageState>()))
            yield return new MessageChanged(Guid.NewGuid(), ChangeOf(message.CreatedAt, message.UpdatedAt, message.DeletedAt), message);
        foreach (var chat in members.GroupBy(m => m.Scope))
            yield return new MembersChanged(Guid.NewGuid(), chat.Key.ApplicationId, chat.Key.ChatNumber,
                chat.Select(m => m.StateAs<MemberState>()).ToList());
    }

    /// <summary>The scope of the things that live in a chat (its messages and members).</summary>
    public static Scope ChatScope(ChatState chat) => new(chat.ApplicationId, chat.Number);

    private static Change ChangeOf(DateTime createdAt, DateTime updatedAt, DateTime? deletedAt) =>
        deletedAt is not null ? Change.Deleted : updatedAt == createdAt ? Change.Created : Change.Updated;
}
