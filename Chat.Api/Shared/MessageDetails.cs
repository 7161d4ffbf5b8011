using Chat.Api.Shared.Identity;

namespace Chat.Api.Shared;

/// <summary>What every message representation shows beside the message's own state: its replies and reactions.</summary>
public sealed class MessageDetails(ReplyCounts replies, ReactionCounts reactions)
{
    /// <summary>By message number, for a page: a fixed number of statements, whatever the page's length.</summary>
    public async Task<Dictionary<int, MessageExtras>> OfAsync(KnownApplication app, KnownChat chat, IReadOnlyCollection<int> numbers, Caller caller,
        CancellationToken ct = default)
    {
        var replyCounts = await replies.OfAsync(app, chat, numbers, ct);
        var reactionCounts = await reactions.OfAsync(app, chat, numbers, caller.IsUser ? caller.UserId : null, ct);
        return numbers.Distinct().ToDictionary(n => n, n => new MessageExtras(replyCounts.GetValueOrDefault(n), reactionCounts[n].Counts, reactionCounts[n].Own));
    }

    public async Task<MessageExtras> OfAsync(KnownApplication app, KnownChat chat, int number, Caller caller, CancellationToken ct = default) =>
        (await OfAsync(app, chat, [number], caller, ct))[number];
}
