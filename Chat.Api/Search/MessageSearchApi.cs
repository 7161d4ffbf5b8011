using Chat.Api.Applications;
using Chat.Api.Chats;
using Chat.Api.Health;
using Chat.Api.Paging;
using Chat.Domain.Messaging;
using Chat.Domain.Pending;
using Chat.Domain.Redis;
using Chat.Domain.Search;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Chat.Api.Search;

/// <summary>
/// <c>GET …/messages/search?q=&amp;limit=&amp;before=</c>: messages of one chat whose body contains <c>q</c>, ignoring
/// case, newest first. Persisted matches come from the active provider; accepted-but-unpersisted states from
/// Redis are merged over them exactly as history does, so a message is found right after its 201 and an edit
/// or deletion shows at once.
/// </summary>
public static class MessageSearchApi
{
    public static IHostApplicationBuilder AddMessageSearch(this IHostApplicationBuilder builder)
    {
        builder.AddSearch();
        builder.Services.AddHealthChecks().AddCheck<SearchCheck>("search", HealthStatus.Degraded, [HealthApi.Ready], TimeSpan.FromSeconds(3));
        return builder;
    }

    public static void MapMessageSearch(this IEndpointRouteBuilder app) =>
        app.MapGet("/applications/{token}/chats/{chat:int}/messages/search", Search)
            .WithTags("Messages").WithName("SearchMessages")
            .WithSummary("Messages whose body contains q (any case, every character literal), newest first; next pages with before=");

    private static async Task<IResult> Search(string token, int chat, string? q, int? limit, int? before,
        ApplicationDirectory applications, ChatDirectory chats, PendingStore pending, IMessageSearch search, CancellationToken ct)
    {
        if (await applications.FindAsync(token) is not { } app || await chats.FindAsync(app, chat) is not { } known)
            return TypedResults.NotFound();
        if (string.IsNullOrWhiteSpace(q))
            return ListQuery.BadQuery("q", $"q is required: the text to search for, 1 to {IMessageSearch.MaxQueryLength} characters.");
        if (q.Length > IMessageSearch.MaxQueryLength)
            return ListQuery.BadQuery("q", $"q must have at most {IMessageSearch.MaxQueryLength} characters.");
        if (!ListQuery.TryLimit(limit, out var take, out var problem)) return problem!;
        if (before is < 1) return ListQuery.BadQuery("before", "before must be a message number (1 or more).");

        // Pending first, as in MessageHistory: the worker releases a pending state only after its commit, so a
        // message that leaves Redis between the two reads is already in MySQL when it is searched.
        var high = before is null ? int.MaxValue : before.Value - 1;
        var accepted = await pending.RangeAsync<MessageState>(PendingScope.Messages(app.Id, chat), 1, high, descending: true, take + 1);
        var persisted = new SearchPage([], null);
        if ((known.RowId ?? await chats.FindRowIdAsync(app, chat)) is { } rowId)
            persisted = await search.FindAsync(new SearchScope(app.Id, chat, rowId), q, take, before, ct);

        // A pending state that does not match (or is a deletion) still hides the persisted row it replaces.
        var (items, next) = KeysetMerge.Merge(
            new KeysetMerge.Source<SearchHitResponse>(
                persisted.Messages.Select(m => (m.Number, Hit(m.Number, m.Body, m.Sender, m.CreatedAt, q), false)).ToList(),
                persisted.KnownTo),
            new KeysetMerge.Source<SearchHitResponse>(
                accepted.Select(p =>
                {
                    var hit = Hit(p.State.Number, p.State.Body, p.State.Sender, p.State.CreatedAt, q);
                    return (hit.Number, hit, p.Deleted || hit.Matches.Count == 0);
                }).ToList(),
                KeysetMerge.KnownTo(accepted.Select(p => p.State.Number).ToList(), take)),
            descending: true, take);

        var nextUrl = next is null
            ? null
            : $"/applications/{token}/chats/{chat}/messages/search?q={Uri.EscapeDataString(q)}&limit={take}&before={next}";
        return TypedResults.Ok(new Page<SearchHitResponse>(items, nextUrl));
    }

    private static SearchHitResponse Hit(int number, string body, string? sender, DateTime createdAt, string query)
    {
        var matches = MatchOffsets.Find(body, query);
        return new(number, body, sender, createdAt, matches.Offsets, matches.More);
    }
}
