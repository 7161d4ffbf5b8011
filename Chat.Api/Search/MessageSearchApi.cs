using Chat.Api.Shared;
using Chat.Contracts;
using Chat.Domain.Pipeline;
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
        builder.Services.AddHealthChecks().AddCheck<SearchCheck>("search", HealthStatus.Degraded, [HealthTags.Ready], TimeSpan.FromSeconds(3));
        return builder;
    }

    public static void MapMessageSearch(this IEndpointRouteBuilder app) =>
        app.MapChatGroup("/messages/search").WithTags("Messages")
            .MapGet("/", Search).Produces<Page<SearchHitResponse>>().WithName("SearchMessages")
            .WithSummary("Messages whose body contains q (any case, every character literal), newest first; next pages with before=");

    private static async Task<IResult> Search(RequestContext request, [AsParameters] SearchQuery query, [AsParameters] SearchServices services,
        CancellationToken ct)
    {
        var (q, limit, before) = (query.Q, query.Limit, query.Before);
        if (string.IsNullOrWhiteSpace(q))
            return ListQuery.BadQuery("q", $"q is required: the text to search for, 1 to {Limits.MaxQueryLength} characters.");
        if (q.Length > Limits.MaxQueryLength)
            return ListQuery.BadQuery("q", $"q must have at most {Limits.MaxQueryLength} characters.");
        if (!ListQuery.TryLimit(limit, out var take, out var problem)) return problem!;
        if (before is < 1) return ListQuery.BadQuery("before", "before must be a message number (1 or more).");
        var (app, chat) = (request.App, request.Chat);

        // A pending state that does not match (or is a deletion) still hides the persisted row it replaces.
        var page = await services.Reader.PageAsync<MessageState, MessageState>(Kinds.Message.PendingHash(Kinds.ChatScope(chat.State)),
            new NumberRange(1, before is null ? int.MaxValue : before.Value - 1, Descending: true), take, (_, m) => m,
            async () =>
            {
                if (await services.Chats.RowIdAsync(app, chat) is not { } rowId) return new([], null);
                var found = await services.Search.FindAsync(new SearchScope(app.Id, chat.State.Number, rowId), q, take, before, ct);
                return new(found.Messages.Select(r => MessageReader.StateOf(r, chat.State)).ToList(),
                    found.KnownTo is { } known ? new KeysetMerge.Cut<int>(known) : null);
            },
            MergedReader.Rules(Kinds.Message, (MessageState m) => m.Number, m => MatchOffsets.Find(m.Body, q).Any));

        var hits = page.Items.Select(m => Hit(m, q)).ToList();
        var nextUrl = page.Next is { } next
            ? $"/applications/{app.Token}/chats/{chat.State.Number}/messages/search?q={Uri.EscapeDataString(q)}&limit={take}&before={next.LastKey}"
            : null;
        return TypedResults.Ok(new Page<SearchHitResponse>(hits, nextUrl));
    }

    private static SearchHitResponse Hit(MessageState message, string query)
    {
        var matches = MatchOffsets.Find(message.Body, query);
        return new(message.Number, message.Body, message.Sender, message.CreatedAt, matches.Offsets, matches.More,
            message.ReplyTo, message.Mentions ?? [], Representations.Json(message.Metadata));
    }

    private readonly record struct SearchQuery(string? Q, int? Limit, int? Before);

    private readonly record struct SearchServices(MergedReader Reader, IMessageSearch Search, ChatDirectory Chats);
}
