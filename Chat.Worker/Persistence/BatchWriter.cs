using System.Data;
using Chat.Contracts;
using Chat.Domain.Data;
using Chat.Domain.Messages;
using Chat.Domain.Pipeline;
using MySqlConnector;

namespace Chat.Worker.Persistence;

/// <summary>
/// Writes a batch of commands in one transaction with one set-based statement per kind (docs/decisions/0010). Every
/// write is an upsert of a whole state on the natural key, applied only if it is at least as new as the stored one
/// (and never over a deletion), so redeliveries, duplicates and any arrival order converge to the same rows
/// (docs/decisions/0004). A command is written whole or not at all.
/// </summary>
public sealed class BatchWriter(MySqlDataSource database)
{
    public async Task<BatchOutcome> WriteAsync(IReadOnlyList<Command> commands, CancellationToken ct)
    {
        var outcome = new BatchOutcome();
        await using var connection = await database.OpenConnectionAsync(ct);
        // Read committed: no gap locks between batches, and each statement reads what committed before it, which the
        // recount of message blocks relies on once it holds their locks (MessageBlocks, docs/decisions/0017).
        await using var transaction = await connection.BeginTransactionAsync(IsolationLevel.ReadCommitted, ct);
        var sql = new Sql(connection, transaction);

        await DeletedApplicationsAsync(sql, commands, outcome, ct);
        var writes = await LiveWritesAsync(sql, commands, outcome, ct);
        Dictionary<(long App, int Number), (long Id, bool Deleted)>? chatRows = null;
        foreach (var kind in Kinds.All)
        {
            var own = writes.Where(w => w.Write.Kind == kind && !outcome.Holds(w.Command)).ToList();
            if (!kind.LivesInAChat)
            {
                await PersistAsync(sql, kind, own.Select(w => (w.Command, new Persisting(w.Write, 0))), outcome, ct);
                continue;
            }
            chatRows ??= await ChatRowsAsync(sql, writes, outcome, ct);
            var inChats = new List<(Command, Persisting)>();
            foreach (var (command, write) in own)
            {
                if (!chatRows.TryGetValue((write.Scope.ApplicationId, write.Scope.ChatNumber), out var chat))
                    outcome.Wait(command); // its chat is still on the way
                else if (chat.Deleted) outcome.Persisted.Add(write); // settled with its deleted chat: only its pending copy goes
                else inChats.Add((command, new Persisting(write, chat.Id)));
            }
            await PersistAsync(sql, kind, inChats, outcome, ct);
        }
        // After the members of the batch: a chat created with its members may be in it.
        outcome.RaisedCursors.AddRange(await SenderCursors.RaiseAsync(sql,
            outcome.Written.Where(w => w.Write.Kind == Kinds.Message).Select(w => (w.ChatRow, w.Write.StateAs<MessageState>())), ct));
        await transaction.CommitAsync(ct);
        return outcome;
    }

    /// <summary>
    /// One look at the chat rows, after the chats' upsert, for the chats written and everything that lives in a chat;
    /// the chats written that are now deleted have their messages purged after the commit.
    /// </summary>
    private static async Task<Dictionary<(long App, int Number), (long Id, bool Deleted)>> ChatRowsAsync(Sql sql,
        List<(Command Command, Write Write)> writes, BatchOutcome outcome, CancellationToken ct)
    {
        var rows = await sql.ChatRowsAsync(outcome.Chats.Select(c => (c.ApplicationId, c.Number))
            .Concat(writes.Where(w => w.Write.Kind.LivesInAChat).Select(w => (w.Write.Scope.ApplicationId, w.Write.Scope.ChatNumber)))
            .Distinct().ToList(), ct);
        foreach (var chat in outcome.Chats)
            if (rows.TryGetValue((chat.ApplicationId, chat.Number), out var row) && row.Deleted) outcome.DeletedChatRows.Add(row.Id);
        return rows;
    }

    /// <summary>
    /// Applications to purge: only those MySQL has marked deleted, where the API's DELETE put its mark before publishing
    /// the command. A deletion of a live application was not sent by the API (a forged or misrouted command): it purges
    /// nothing and is rejected with the reason. One of an application already purged (a redelivery) is simply done.
    /// </summary>
    private static async Task DeletedApplicationsAsync(Sql sql, IReadOnlyList<Command> commands, BatchOutcome outcome, CancellationToken ct)
    {
        var deletions = commands.OfType<ApplicationDeleted>().ToList();
        if (deletions.Count == 0) return;
        var marked = await sql.ApplicationsAsync(deletions.Select(d => d.ApplicationId).Distinct().ToList(), ct);
        foreach (var deletion in deletions)
        {
            if (!marked.TryGetValue(deletion.ApplicationId, out var deleted)) continue;
            if (deleted) outcome.DeletedApplications.Add(deletion.ApplicationId);
            else outcome.Reject(deletion, $"Application {deletion.ApplicationId} is not marked deleted in MySQL: nothing is purged.");
        }
    }

    /// <summary>
    /// The writes of applications that are live. Commands of a deleted application are done: there is nothing left to
    /// write them to. An application without a row was never created (or was deleted and purged long ago): its commands
    /// are not silently dropped but rejected with the reason.
    /// </summary>
    private static async Task<List<(Command Command, Write Write)>> LiveWritesAsync(Sql sql, IReadOnlyList<Command> commands,
        BatchOutcome outcome, CancellationToken ct)
    {
        var writes = commands.SelectMany(c => Kinds.WritesOf(c).Select(w => (Command: c, Write: w))).ToList();
        var applications = await sql.ApplicationsAsync(writes.Select(w => w.Write.Scope.ApplicationId).Distinct().ToList(), ct);
        foreach (var (command, write) in writes.Where(w => !applications.ContainsKey(w.Write.Scope.ApplicationId)).DistinctBy(w => w.Command))
            outcome.Reject(command, $"Application {write.Scope.ApplicationId} does not exist (never created, or deleted and purged).");
        return writes.Where(w => applications.TryGetValue(w.Write.Scope.ApplicationId, out var deleted) && !deleted).ToList();
    }

    /// <summary>One kind's writes: numbering collisions rejected, the rest coalesced to one state per thing and upserted.</summary>
    private static async Task PersistAsync(Sql sql, WriteKind kind, IEnumerable<(Command Command, Persisting Persisting)> writes,
        BatchOutcome outcome, CancellationToken ct)
    {
        var candidates = writes.Where(w => !outcome.Holds(w.Command)).ToList();
        if (candidates.Count == 0) return;
        foreach (var (collision, reason) in await kind.CollisionsAsync(sql, candidates.Select(c => c.Persisting).ToList(), ct))
            outcome.Reject(candidates.First(c => c.Persisting == collision).Command, reason);
        var accepted = candidates.Where(c => !outcome.Holds(c.Command)).Select(c => c.Persisting).ToList();

        // Receipts are frequent and an edit often follows its create in the same batch: one row per thing.
        var coalesced = accepted.GroupBy(p => (p.Write.Scope, p.Write.Field))
            .Select(g => g.Aggregate((a, b) => a with { Write = a.Write.With(kind.Combine(a.Write.State, b.Write.State)) }))
            .ToList();
        await kind.UpsertAsync(sql, coalesced, ct);
        outcome.Written.AddRange(coalesced);
        outcome.Persisted.AddRange(accepted.Select(p => p.Write));
    }
}
