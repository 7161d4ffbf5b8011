using Chat.Api.Shared;

namespace Chat.Api.Feed;

/// <param name="Next">Where to continue: always given, since the feed has no end (poll it, or follow it after a hub event).</param>
/// <param name="Epoch">Changes only when Redis lost data: positions missing before it may never come.</param>
public sealed record FeedPageResponse(IReadOnlyList<FeedItem> Data, string Next, long Epoch);
