using Chat.Api.Shared;

namespace Chat.Api.Feed;

/// <summary>
/// <c>GET /applications/{token}/events?after=&amp;limit=</c>: every change of the application in feed order, resumable from
/// any position (docs/decisions/0015). A page never holds a position while an earlier one is accepted but not readable yet.
/// A user token reads the changes of the chats it may read and of its own membership.
/// </summary>
public static class EventsApi
{
    public static void MapEvents(this IEndpointRouteBuilder app) =>
        app.MapApplicationGroup("/events").WithTags("Feed")
            .MapGet("/", List).Produces<FeedPageResponse>().ProducesProblem(StatusCodes.Status410Gone).WithName("ListEvents")
            .WithSummary("Every change after a position, in order; follow next; 410 when the position is older than the retention");

    private static async Task<IResult> List(RequestContext request, long? after, int? limit, FeedReader feed, CancellationToken ct)
    {
        if (!ListQuery.TryLimit(limit, out var take, out var problem)) return problem!;
        if (after is < 0) return ListQuery.BadQuery("after", "after must be a feed position (0 or more).");

        var read = await feed.PageAsync(request.App.Id, after ?? 0, take, ct);
        if (read.OldestKept is { } oldest)
            return TypedResults.Problem(statusCode: StatusCodes.Status410Gone, title: "Older than the retention",
                detail: $"Positions up to {oldest - 1} are no longer kept; the oldest available is {oldest}.",
                extensions: new Dictionary<string, object?> { ["oldest_seq"] = oldest });
        return TypedResults.Ok(new FeedPageResponse(await feed.RenderAsync(request.App, read.Events, request.Caller),
            $"/applications/{request.App.Token}/events?after={read.Last}&limit={take}", read.Epoch));
    }
}
