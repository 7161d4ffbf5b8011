using Chat.Api.Shared;
using Chat.Api.Shared.Identity;
using Chat.Domain.Pipeline;
using Chat.Domain.Security;
using Chat.Domain.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Chat.Api.Webhooks;

/// <summary>
/// <c>/applications/{token}/webhooks</c> (API.md "Webhooks", docs/decisions/0016), server role only: register, list, read
/// and delete webhooks, read a webhook's deliveries log, and replay the feed to it. Delivery is the worker's.
/// </summary>
public static class WebhooksApi
{
    public static void MapWebhooks(this IEndpointRouteBuilder app)
    {
        var webhooks = app.MapApplicationGroup("/webhooks").WithTags("Webhooks").ForServer();
        webhooks.MapPost("/", Create).WithName("CreateWebhook").WithSummary("Register a URL for the feed's events; the signing secret is shown only here");
        webhooks.MapGet("/", List).WithName("ListWebhooks");
        webhooks.MapGet("/{id}", Get).WithName("GetWebhook");
        webhooks.MapDelete("/{id}", Delete).WithName("DeleteWebhook");
        webhooks.MapGet("/{id}/deliveries", Deliveries).Produces<DeliveryPageResponse>().WithName("ListWebhookDeliveries")
            .WithSummary("Attempts, last status and next attempt of each event, by position; ?status=delivered|retrying|failed");
        webhooks.MapPost("/{id}/replay", Replay).Produces<ReplayResponse>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status409Conflict).WithName("ReplayWebhook")
            .WithSummary("Deliver again every persisted event after a position (at least once, like any delivery)");
    }

    private readonly record struct Services(WebhookStore Store, SecretBox Secrets, Versions Versions, IOptions<WebhookOptions> Options);

    private static async Task<Results<Created<WebhookResponse>, ProblemHttpResult>> Create(WebhookRequest body, RequestContext request,
        [AsParameters] Services services, CancellationToken ct)
    {
        var validation = new Validation();
        var allowPrivate = services.Options.Value.AllowPrivateTargets;
        var url = body.Url?.Trim();
        if (string.IsNullOrEmpty(url)) validation.Add("url", "is required.");
        else if (WebhookTargets.ProblemWithForm(url, allowPrivate) is { } formProblem) validation.Add("url", formProblem);
        else if (await WebhookTargets.ProblemWithAddressesAsync(new Uri(url), allowPrivate, ct) is { } addressProblem) validation.Add("url", addressProblem);
        var events = body.Events?.Distinct(StringComparer.Ordinal).ToArray() ?? [];
        if (events.Length == 0) validation.Add("events", "must name at least one event type, or \"*\" for all.");
        foreach (var unknown in events.Where(e => e != WebhookEvents.All && !WebhookEvents.Types.Contains(e)))
            validation.Add("events", $"'{Shorten(unknown)}' is not an event type; known: *, {string.Join(", ", WebhookEvents.Types.Order())}.");
        if (!validation.IsValid) return validation.Problem();

        var secret = WebhookStore.NewSecret();
        var row = new WebhookRow(request.App.Id, WebhookStore.NewId(), url!, events.Contains(WebhookEvents.All) ? [WebhookEvents.All] : events,
            services.Secrets.Seal(secret, SecretBox.Purpose.WebhookSecret), services.Versions.Now(), null, null);
        if (!await services.Store.TryCreateAsync(row, WebhookOptions.MaxPerApplication, ct))
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Too many webhooks",
                detail: $"An application has at most {WebhookOptions.MaxPerApplication} webhooks; delete one first.");
        return TypedResults.Created($"/applications/{request.App.Token}/webhooks/{row.Id}", WebhookResponse.Of(row, secret));
    }

    private static async Task<Ok<WebhookListResponse>> List(RequestContext request, WebhookStore store, CancellationToken ct) =>
        TypedResults.Ok(new WebhookListResponse((await store.ListAsync(request.App.Id, ct)).Select(r => WebhookResponse.Of(r)).ToList()));

    private static async Task<Results<Ok<WebhookResponse>, NotFound>> Get(string id, RequestContext request, WebhookStore store, CancellationToken ct) =>
        await store.FindAsync(request.App.Id, id, ct) is { } row ? TypedResults.Ok(WebhookResponse.Of(row)) : TypedResults.NotFound();

    private static async Task<Results<NoContent, NotFound>> Delete(string id, RequestContext request, WebhookStore store, CancellationToken ct) =>
        await store.DeleteAsync(request.App.Id, id, ct) ? TypedResults.NoContent() : TypedResults.NotFound();

    private static async Task<IResult> Deliveries(string id, RequestContext request, WebhookStore store, string? status, long? after, int? limit,
        CancellationToken ct)
    {
        if (!ListQuery.TryLimit(limit, out var take, out var problem)) return problem!;
        if (status is not null && !WebhookStore.Statuses.All.Contains(status))
            return ListQuery.BadQuery("status", "status must be delivered, retrying or failed.");
        if (after is < 0) return ListQuery.BadQuery("after", "after must be a feed position (0 or more).");
        if (await store.FindAsync(request.App.Id, id, ct) is null) return TypedResults.NotFound();

        var rows = await store.DeliveriesAsync(request.App.Id, id, status, after ?? 0, take + 1, ct);
        var page = rows.Take(take).Select(DeliveryResponse.Of).ToList();
        var next = rows.Count > take
            ? $"/applications/{request.App.Token}/webhooks/{id}/deliveries?{(status is null ? "" : $"status={status}&")}after={page[^1].Seq}&limit={take}"
            : null;
        return TypedResults.Ok(new DeliveryPageResponse(page, next));
    }

    private static async Task<IResult> Replay(string id, ReplayRequest body, RequestContext request, WebhookStore store, WebhookQueues queues,
        CancellationToken ct)
    {
        if (body.AfterSeq is not { } after || after < 0)
            return new Validation().Add("after_seq", "is required: a feed position (0 or more).").Problem();
        if (await store.FindAsync(request.App.Id, id, ct) is not { } webhook) return TypedResults.NotFound();
        if (webhook.DisabledAt is not null)
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Webhook disabled",
                detail: "The receiver answered 410 Gone and the webhook was disabled; register it again.");

        var until = await store.LastFeedPositionAsync(request.App.Id, ct);
        await queues.PublishAsync(new WebhookWork.Replay(request.App.Id, id, after, until), ct);
        return TypedResults.Accepted((string?)null, new ReplayResponse(id, after, until));
    }

    private static string Shorten(string value) => value.Length <= 40 ? value : value[..40] + "…";
}
