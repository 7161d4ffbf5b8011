using Chat.Domain.Messaging;
using Microsoft.Extensions.Logging;

namespace Chat.Domain.Pipeline;

/// <summary>Writes that kept being overtaken by newer states of the same thing while they were being accepted.</summary>
public sealed class ContendedWriteException(string message) : Exception(message);

/// <summary>
/// Accepts writes (docs/decisions/0010): stores them pending in one atomic Redis script (pending copy, outbox line and
/// change-feed entry), publishes the one command that carries them and waits for the broker's confirm. Without a
/// confirm the stored states are taken back (what they replaced is put back, their feed positions become voids) and
/// <see cref="BrokerUnavailableException"/> propagates, so nothing is shown or acknowledged that the worker will not
/// persist, and nothing accepted earlier disappears.
/// </summary>
public sealed partial class Acceptance(PendingStore pending, CommandPublisher publisher, FeedPositions feed, Versions versions,
    ILogger<Acceptance> log)
{
    /// <summary>
    /// Rounds of combining a write with a newer state that overtook it, before giving up. Each round stores at least one
    /// of the writes racing for one thing, so n concurrent writers of it (a user's receipts from n devices) finish within n.
    /// </summary>
    private const int MaxRebases = 100;

    /// <summary>
    /// Accepts writes of one application that one command carries (a new chat with its members, a message, members of a
    /// chat). A write refused because a newer state of the same thing was accepted meanwhile is dropped when it adds
    /// nothing to that state (last writer wins), or stored again combined with it (a receipt's cursors).
    /// </summary>
    /// <returns>Each thing as it now stands: the write as stored, or the newer state that made it redundant.</returns>
    public async Task<IReadOnlyList<Write>> AcceptAsync(IReadOnlyList<Write> writes, CancellationToken ct)
    {
        var stored = new List<PendingStore.Put>();
        var superseding = new List<Write>();
        for (var round = 0; writes.Count > 0; round++)
        {
            if (round > MaxRebases) throw new ContendedWriteException("The same thing kept changing while this change was accepted; retry.");
            if (await pending.PutAsync(writes) is not { } outcome)
            {
                await feed.ReserveAsync(writes[0].Scope.ApplicationId, ct);
                continue;
            }
            if (outcome.FeedRunsLow) feed.ReserveAhead(writes[0].Scope.ApplicationId);
            var retry = new List<Write>();
            foreach (var put in outcome.Puts)
            {
                if (put.Stored)
                {
                    stored.Add(put);
                    continue;
                }
                var current = PendingValue.StateOf(put.Write.Kind, put.Found);
                if (Rebase(put.Write, current) is { } rebased) retry.Add(rebased);
                else superseding.Add(put.Write.With(current));
            }
            writes = retry;
        }
        if (stored.Count == 0) return superseding;

        var accepted = stored.Select(p => p.Write).ToList();
        var command = Kinds.CommandsFor(accepted).Single();
        try
        {
            await publisher.PublishAsync(command, ct);
        }
        catch (BrokerUnavailableException)
        {
            await pending.TakeBackAsync(stored, versions.Now());
            throw;
        }
        if (log.IsEnabled(LogLevel.Debug)) LogAccepted(command.CommandId, accepted[0].Scope.ApplicationId, string.Join(' ', accepted.Select(w => w.Line)));
        return [.. accepted, .. superseding];
    }

    /// <summary>A refused write combined with the state that refused it, as a newer state; null when that adds nothing to it.</summary>
    private Write? Rebase(Write refused, object current)
    {
        var kind = refused.Kind;
        var combined = kind.Combine(current, refused.State);
        return combined.Equals(current)
            ? null
            : refused with { State = kind.WithVersion(combined, versions.After(kind.VersionOf(current))), Base = Versions.Of(kind.VersionOf(current)) };
    }

    /// <summary>Debug only: with the worker's finished batches, this traces any accepted command by its outbox lines (scripts/chaos turns both on).</summary>
    [LoggerMessage(Level = LogLevel.Debug, Message = "Accepted {CommandId} of application {ApplicationId}: {Lines}")]
    private partial void LogAccepted(Guid commandId, long applicationId, string lines);
}
