using Chat.Domain.Messaging;
using MySqlConnector;

namespace Chat.Worker.Persistence;

/// <summary>What became of one batch: what was written, and the commands that must wait or be dead-lettered.</summary>
public sealed class BatchOutcome
{
    public List<ChatState> Chats { get; } = [];
    public List<MessageState> Messages { get; } = [];
    /// <summary>Messages of a deleted chat: nothing to write (its messages are gone), but done, so their pending copies go too.</summary>
    public List<MessageState> Settled { get; } = [];
    /// <summary>Messages whose chat row does not exist yet: they go round the retry queue.</summary>
    public List<Command> Waiting { get; } = [];
    public List<(Command Command, string Reason)> Rejected { get; } = [];
    /// <summary>Row ids of chats now deleted, whose messages are purged after the commit.</summary>
    public HashSet<long> DeletedChatRows { get; } = [];
    public HashSet<long> DeletedApplications { get; } = [];
    public HashSet<long> TouchedApplications { get; } = [];
    public HashSet<long> TouchedChatRows { get; } = [];
    /// <summary>Member states written (or settled with their deleted chat), whose pending copies are released after the commit.</summary>
    public List<(long ApplicationId, int ChatNumber, MemberState Member)> Members { get; } = [];

    /// <summary>Adds another outcome's parts to this one (a batch written one command at a time).</summary>
    public void Add(BatchOutcome other)
    {
        Chats.AddRange(other.Chats);
        Messages.AddRange(other.Messages);
        Settled.AddRange(other.Settled);
        Waiting.AddRange(other.Waiting);
        Rejected.AddRange(other.Rejected);
        DeletedChatRows.UnionWith(other.DeletedChatRows);
        DeletedApplications.UnionWith(other.DeletedApplications);
        TouchedApplications.UnionWith(other.TouchedApplications);
        TouchedChatRows.UnionWith(other.TouchedChatRows);
        Members.AddRange(other.Members);
    }
}

/// <summary>
/// Writes a batch of commands in one transaction with a few set-based statements. Every write is an upsert of
/// a whole state on the natural key, applied only if it is at least as new as the stored one and never over a
/// deletion, so redeliveries, duplicates and any arrival order converge to the same rows
/// (docs/decisions/0004).
/// </summary>
public sealed partial class BatchWriter(MySqlDataSource database)
{
    public async Task<BatchOutcome> WriteAsync(IReadOnlyList<Command> commands, CancellationToken ct)
    {
        var outcome = new BatchOutcome();
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        var sql = new Sql(connection, transaction);

        foreach (var deleted in commands.OfType<ApplicationDeleted>()) outcome.DeletedApplications.Add(deleted.ApplicationId);
        var applications = await sql.ApplicationsAsync(commands.Select(ApplicationOf).Where(id => id > 0).Distinct().ToList(), ct);
        // Commands of a deleted application are done: there is nothing left to write them to. An application
        // without a row was never created (or was deleted and purged long ago): not silently dropped, but reported.
        foreach (var command in commands.Where(c => ApplicationOf(c) > 0 && !applications.ContainsKey(ApplicationOf(c))))
            outcome.Rejected.Add((command, $"Application {ApplicationOf(command)} does not exist (never created, or deleted and purged)."));
        var live = applications.Where(a => !a.Value).Select(a => a.Key).ToHashSet();
        var chats = commands.OfType<ChatChanged>().Select(c => c.Chat).Where(c => live.Contains(c.ApplicationId)).ToList();
        var messages = commands.OfType<MessageChanged>().Where(m => live.Contains(m.Message.ApplicationId)).ToList();

        await WriteChatsAsync(sql, chats, commands, outcome, ct);
        // One look at the chat rows, after their upsert, for everything in the batch that lives in a chat.
        var chatRows = await sql.ChatRowsAsync(outcome.Chats.Select(c => (c.ApplicationId, c.Number))
            .Concat(messages.Select(m => (m.Message.ApplicationId, m.Message.ChatNumber)))
            .Concat(commands.OfType<MembersChanged>().Where(c => live.Contains(c.ApplicationId)).Select(c => (c.ApplicationId, c.ChatNumber)))
            .Distinct().ToList(), ct);
        foreach (var chat in outcome.Chats)
            if (chatRows.TryGetValue((chat.ApplicationId, chat.Number), out var row) && row.Deleted) outcome.DeletedChatRows.Add(row.Id);
        await WriteMessagesAsync(sql, messages, chatRows, outcome, ct);
        await WriteMembersAsync(sql, commands, live, chatRows, outcome, ct);
        await transaction.CommitAsync(ct);
        return outcome;
    }

    private static async Task WriteChatsAsync(Sql sql, List<ChatState> chats, IReadOnlyList<Command> commands, BatchOutcome outcome, CancellationToken ct)
    {
        if (chats.Count == 0) return;
        var known = await sql.ChatUidsAsync(chats.Select(c => (c.ApplicationId, c.Number)).Distinct().ToList(), ct);
        var accepted = new List<ChatState>();
        foreach (var chat in chats)
        {
            var key = (chat.ApplicationId, chat.Number);
            if (known.TryAdd(key, chat.Uid) || known[key] == chat.Uid) accepted.Add(chat);
            else outcome.Rejected.Add((commands.OfType<ChatChanged>().First(c => c.Chat == chat),
                $"Chat number {chat.Number} of application {chat.ApplicationId} already belongs to another chat (numbering collision)."));
        }
        await sql.UpsertChatsAsync(accepted, ct);
        outcome.Chats.AddRange(accepted);
        foreach (var chat in accepted) outcome.TouchedApplications.Add(chat.ApplicationId);
    }

    private static async Task WriteMessagesAsync(Sql sql, List<MessageChanged> commands,
        Dictionary<(long App, int Number), (long Id, bool Deleted)> chatRows, BatchOutcome outcome, CancellationToken ct)
    {
        if (commands.Count == 0) return;
        var writable = new List<(long ChatRow, MessageChanged Command)>();
        foreach (var command in commands)
        {
            if (!chatRows.TryGetValue((command.Message.ApplicationId, command.Message.ChatNumber), out var chat))
                outcome.Waiting.Add(command); // its chat is still on the way
            else if (chat.Deleted)
                outcome.Settled.Add(command.Message);
            else
                writable.Add((chat.Id, command));
        }

        var known = await sql.MessageUidsAsync(writable.Select(w => (w.ChatRow, w.Command.Message.Number)).Distinct().ToList(), ct);
        var accepted = new List<(long ChatRow, MessageState Message)>();
        foreach (var (chatRow, command) in writable)
        {
            var key = (chatRow, command.Message.Number);
            if (known.TryAdd(key, command.Message.Uid) || known[key] == command.Message.Uid) accepted.Add((chatRow, command.Message));
            else outcome.Rejected.Add((command,
                $"Message number {command.Message.Number} of chat {command.Message.ChatNumber} already belongs to another message (numbering collision)."));
        }
        await sql.UpsertMessagesAsync(accepted, ct);
        foreach (var (chatRow, message) in accepted)
        {
            outcome.Messages.Add(message);
            outcome.TouchedChatRows.Add(chatRow);
        }
    }

    private static long ApplicationOf(Command command) => command switch
    {
        ChatChanged c => c.Chat.ApplicationId,
        MessageChanged m => m.Message.ApplicationId,
        MembersChanged m => m.ApplicationId,
        _ => 0,
    };
}
