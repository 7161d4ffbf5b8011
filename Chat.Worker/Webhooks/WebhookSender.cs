using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using Chat.Domain.Security;
using Chat.Domain.Telemetry;
using Chat.Domain.Webhooks;
using Microsoft.Extensions.Options;
using StandardWebhooks;

namespace Chat.Worker.Webhooks;

/// <summary>
/// One attempt of one delivery, then what follows from its answer (docs/decisions/0016): 2xx delivered; 410 disables the
/// webhook; anything else, or no answer within <see cref="WebhookOptions.Timeout"/>, waits on the broker's retry ladder
/// until <see cref="WebhookOptions.RetryFor"/> has passed since the first attempt, then it is recorded as failed.
/// A fan-out's first attempts go out at once (<see cref="SendOrQueueAsync"/>); only a failing receiver's wait on the broker.
/// </summary>
public sealed partial class WebhookSender(IHttpClientFactory http, WebhookStore store, WebhookCache hooks, DeliveryLog deliveries,
    WebhookQueues queues, SecretBox secrets,
    IOptions<WebhookOptions> options, TimeProvider clock, ILogger<WebhookSender> log)
{
    public const string Client = "webhooks";

    private readonly ConcurrentDictionary<(long, string), Lane> _lanes = new();
    private readonly IReadOnlyList<TimeSpan> _ladder = WebhookTopology.Ladder(options.Value);

    /// <summary>
    /// A fan-out's deliveries, sent without a broker round trip each: each webhook's in order,
    /// <see cref="WebhookOptions.ConcurrencyPerWebhook"/> at a time, all webhooks at once. Once a webhook's receiver fails
    /// (or is failing already), the rest of its deliveries are queued on <c>chat.webhooks</c> as single attempts, so a
    /// failing receiver holds the fan-out for one round of attempts at most, and the broker holds what it has not taken.
    /// </summary>
    public async Task SendOrQueueAsync(IReadOnlyList<WebhookWork.Delivery> deliveries, CancellationToken ct) =>
        await Task.WhenAll(deliveries.GroupBy(d => (d.ApplicationId, d.Webhook)).Select(async hook =>
        {
            var (ordered, lane) = (hook.ToList(), LaneOf(hook.Key.ApplicationId, hook.Key.Webhook));
            var sent = 0;
            foreach (var round in ordered.Chunk(options.Value.ConcurrencyPerWebhook))
            {
                if (lane.Failing) break;
                await Task.WhenAll(round.Select(d => DeliverAsync(d, ct)));
                sent += round.Length;
            }
            if (sent == ordered.Count) return;
            await queues.PublishAllAsync(ordered.Skip(sent), ct);
            ChatTelemetry.WebhooksQueued.Add(ordered.Count - sent);
        }));

    public async Task DeliverAsync(WebhookWork.Delivery delivery, CancellationToken ct)
    {
        var hook = await hooks.FindAsync(delivery.ApplicationId, delivery.Webhook, ct);
        if (hook is null)
        {
            _lanes.TryRemove((delivery.ApplicationId, delivery.Webhook), out _);
            return; // deleted: its log went with it
        }
        if (hook.DisabledAt is not null)
        {
            Record(delivery, WebhookStore.Statuses.Failed, delivery.Attempt, null, "The webhook is disabled.", null);
            return;
        }

        // A receiver that is slow holds at most this many of the worker's slots; its other deliveries wait on the broker
        // (not counted as attempts) instead of blocking the deliveries of other webhooks.
        var lane = LaneOf(hook.ApplicationId, hook.Id);
        if (!await lane.Slots.WaitAsync(TimeSpan.FromSeconds(1), ct))
        {
            lane.Failing = true;
            await queues.PublishAsync(delivery, ct, wait: _ladder[0]);
            ChatTelemetry.WebhooksQueued.Add(1);
            return;
        }
        (int? Status, string? Error) answer;
        try
        {
            answer = await SendAsync(hook, delivery, ct);
        }
        finally
        {
            lane.Slots.Release();
        }
        lane.Failing = answer.Status is not (>= 200 and < 300);
        await FollowUpAsync(hook, delivery, answer.Status, answer.Error, ct);
    }

    private async Task FollowUpAsync(WebhookRow hook, WebhookWork.Delivery delivery, int? status, string? error, CancellationToken ct)
    {
        var attempt = delivery.Attempt + 1;
        if (status is >= 200 and < 300)
        {
            Record(delivery, WebhookStore.Statuses.Delivered, attempt, status, null, null);
            return;
        }
        if (status == (int)HttpStatusCode.Gone)
        {
            await store.DisableAsync(hook.ApplicationId, hook.Id, "The receiver answered 410 Gone.", Now, ct);
            hooks.Forget(hook.ApplicationId, hook.Id);
            LogDisabled(hook.Id);
            Record(delivery, WebhookStore.Statuses.Failed, attempt, status, "410 Gone: the webhook was disabled.", null);
            return;
        }
        var left = delivery.FirstAttemptAt + options.Value.RetryFor - Now;
        if (left <= TimeSpan.Zero)
        {
            Record(delivery, WebhookStore.Statuses.Failed, attempt, status, error ?? $"HTTP {status}", null);
            return;
        }
        var wait = WebhookTopology.WaitBefore(attempt, left, _ladder);
        await queues.PublishAsync(delivery with { Attempt = attempt }, ct, wait);
        Record(delivery, WebhookStore.Statuses.Retrying, attempt, status, error ?? $"HTTP {status}", Now + wait);
    }

    /// <summary>POSTs the body signed per Standard Webhooks; the status, or null and why there was none.</summary>
    private async Task<(int? Status, string? Error)> SendAsync(WebhookRow hook, WebhookWork.Delivery delivery, CancellationToken ct)
    {
        var id = WebhookPayload.MessageId(hook.Id, delivery.Seq);
        var now = clock.GetUtcNow();
        var signature = new StandardWebhook(secrets.Open(hook.SealedSecret, SecretBox.Purpose.WebhookSecret)).Sign(id, now, delivery.Body);
        using var request = new HttpRequestMessage(HttpMethod.Post, hook.Url) { Content = new StringContent(delivery.Body, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", signature);
        try
        {
            using var response = await http.CreateClient(Client).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
            return ((int)response.StatusCode, null);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return (null, $"No answer within {options.Value.Timeout.TotalSeconds:0.#} s.");
        }
        catch (HttpRequestException e)
        {
            return (null, Shorten(e.Message));
        }
    }

    private void Record(WebhookWork.Delivery d, string status, int attempts, int? lastStatus, string? error, DateTime? next)
    {
        ChatTelemetry.WebhookOutcomes.Add(1, new KeyValuePair<string, object?>("outcome", status));
        deliveries.Add(d.ApplicationId, d.Webhook,
            new DeliveryRow(d.Seq, d.Type, status, attempts, lastStatus, error is null ? null : Shorten(error), d.FirstAttemptAt, Now, next));
    }

    private DateTime Now => clock.GetUtcNow().UtcDateTime;

    private Lane LaneOf(long app, string webhook) => _lanes.GetOrAdd((app, webhook), _ => new Lane(options.Value.ConcurrencyPerWebhook));

    /// <summary>What this worker keeps per webhook: its request slots, and whether its receiver is failing.</summary>
    private sealed class Lane(int slots)
    {
        /// <summary>A slow receiver holds at most this many of the worker's requests.</summary>
        public SemaphoreSlim Slots { get; } = new(slots);

        /// <summary>Its last attempt here failed or found every slot busy: its next deliveries wait on the broker.</summary>
        public volatile bool Failing;
    }

    private static string Shorten(string text) => text.Length <= 250 ? text : text[..250];

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook {Webhook} disabled: its receiver answered 410 Gone")]
    private partial void LogDisabled(string webhook);
}
