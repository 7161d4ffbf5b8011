using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;

namespace Chat.Domain.Search.Elasticsearch;

/// <summary>
/// Elasticsearch 8.x over its REST API: the official .NET clients are not available here.
/// The <see cref="HttpClient"/> must have <see cref="HttpClient.BaseAddress"/> set to <see cref="ElasticsearchOptions.Url"/>.
/// </summary>
public sealed class ElasticsearchClient
{
    /// <summary>Longest accepted search text; a wildcard query's cost grows with its length.</summary>
    public const int MaxQueryLength = 200;

    /// <summary>Elasticsearch's default <c>index.max_result_window</c>.</summary>
    public const int MaxPageSize = 10_000;

    // Keeps a long outage from growing the back-off without bound.
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    private readonly HttpClient _http;
    private readonly ElasticsearchOptions _options;

    public ElasticsearchClient(HttpClient http, IOptions<ElasticsearchOptions> options)
    {
        _http = http;
        _options = options.Value;
    }

    /// <summary>Creates the versioned index with its alias; an index that already exists is fine.</summary>
    public async Task EnsureIndexAsync(CancellationToken ct = default)
    {
        var path = Uri.EscapeDataString(_options.Index);
        using var response = await SendAsync(
            HttpMethod.Put, path, ElasticsearchRequests.Json(ElasticsearchRequests.CreateIndex(_options.Alias)), ct);
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        // A 400 rather than a HEAD-then-PUT race when several processes start together.
        var error = await ElasticsearchException.FromResponseAsync(response, $"PUT /{path}", ct);
        if (error.ErrorType != "resource_already_exists_exception")
        {
            throw error;
        }
    }

    /// <summary>
    /// Writes the operations. Items rejected with 408/429/5xx, or the whole request failing that way or on the
    /// network, are retried with jittered exponential back-off; other rejections come back as
    /// <see cref="BulkResult.Failures"/>. Throws <see cref="ElasticsearchUnavailableException"/> when transient
    /// failures outlast <see cref="ElasticsearchOptions.MaxRetries"/> (writes are idempotent, so the caller can
    /// requeue the whole batch).
    /// </summary>
    public async Task<BulkResult> BulkAsync(IReadOnlyList<BulkOperation> operations, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(operations);
        foreach (var operation in operations)
        {
            ValidateChatKey(operation switch
            {
                BulkOperation.Index index => index.Document.ChatKey,
                BulkOperation.Delete delete => delete.ChatKey,
                _ => throw new ArgumentException($"Unknown bulk operation {operation.GetType().Name}.", nameof(operations)),
            });
        }

        var failures = new List<BulkFailure>();
        var pending = operations;
        for (var retry = 0; pending.Count > 0; retry++)
        {
            if (retry > 0)
            {
                await Task.Delay(Backoff(retry), ct);
            }

            var attempt = await SendBulkOnceAsync(pending, ct);
            failures.AddRange(attempt.Failures);
            pending = attempt.Retry;
            if (pending.Count > 0 && retry == _options.MaxRetries)
            {
                throw new ElasticsearchUnavailableException(
                    $"Bulk write of {pending.Count} operation(s) still failing after {retry} retries: {attempt.Cause!.Message}",
                    attempt.Cause.Status, attempt.Cause.ErrorType, attempt.Cause);
            }
        }

        return new BulkResult(failures);
    }

    /// <summary>Messages of one chat whose body contains <paramref name="query"/> (any case), newest first.</summary>
    public async Task<SearchResult> SearchAsync(
        string chatKey, string query, int size, int? searchAfterNumber, CancellationToken ct = default)
    {
        ValidateChatKey(chatKey);
        ArgumentException.ThrowIfNullOrEmpty(query);
        if (query.Length > MaxQueryLength)
        {
            throw new ArgumentException($"The search text is longer than {MaxQueryLength} characters.", nameof(query));
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, MaxPageSize);

        var path = $"{Uri.EscapeDataString(_options.Alias)}/_search?routing={Uri.EscapeDataString(chatKey)}";
        var body = ElasticsearchRequests.Search(chatKey, query, size, searchAfterNumber);
        using var document = await SendJsonAsync(HttpMethod.Post, path, body, ct);
        return ElasticsearchResponses.ReadSearch(document.RootElement, size);
    }

    /// <summary>
    /// Deletes one chat's messages (<paramref name="chatKey"/> given: routed, waits for completion) or a whole
    /// application's (<paramref name="chatKey"/> null: every shard, runs as a background task).
    /// </summary>
    public async Task<DeleteByQueryResult> DeleteByQueryAsync(string? chatKey, string appKey, CancellationToken ct = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(appKey);
        var alias = Uri.EscapeDataString(_options.Alias);
        string path;
        JsonObject body;
        if (chatKey is null)
        {
            path = $"{alias}/_delete_by_query?conflicts=proceed&wait_for_completion=false";
            body = ElasticsearchRequests.DeleteByTerm("app_key", appKey);
        }
        else
        {
            ValidateChatKey(chatKey);
            // conflicts=proceed: a message indexed meanwhile must not abort the delete.
            path = $"{alias}/_delete_by_query?routing={Uri.EscapeDataString(chatKey)}&conflicts=proceed";
            body = ElasticsearchRequests.DeleteByTerm("chat_key", chatKey);
        }

        using var document = await SendJsonAsync(HttpMethod.Post, path, body, ct);
        return ElasticsearchResponses.ReadDeleteByQuery(document.RootElement);
    }

    /// <summary>
    /// Makes every write so far visible to search. Delete-by-query only sees what a refresh made visible, so a
    /// message indexed a moment before its chat was deleted would otherwise survive the delete.
    /// </summary>
    public async Task RefreshAsync(CancellationToken ct = default)
    {
        using var document = await SendJsonAsync(HttpMethod.Post, $"{Uri.EscapeDataString(_options.Alias)}/_refresh", null, ct);
    }

    /// <summary>
    /// True when the cluster is green or yellow within <see cref="ElasticsearchOptions.HealthTimeout"/>;
    /// false while it is unreachable or still starting (408, 429, 5xx), so the caller polls.
    /// </summary>
    public async Task<bool> IsReadyAsync(CancellationToken ct = default)
    {
        var path = $"_cluster/health?wait_for_status=yellow&timeout={TimeValue(_options.HealthTimeout)}";
        try
        {
            using var document = await SendJsonAsync(HttpMethod.Get, path, null, ct);
            return document.RootElement.GetProperty("status").GetString() is "green" or "yellow";
        }
        catch (ElasticsearchUnavailableException)
        {
            return false;
        }
    }

    private async Task<BulkAttempt> SendBulkOnceAsync(IReadOnlyList<BulkOperation> operations, CancellationToken ct)
    {
        var path = $"{Uri.EscapeDataString(_options.Alias)}/_bulk";
        try
        {
            var content = ElasticsearchRequests.Content(ElasticsearchRequests.Bulk(operations), "application/x-ndjson");
            using var response = await SendAsync(HttpMethod.Post, path, content, ct);
            if (!response.IsSuccessStatusCode)
            {
                throw await ElasticsearchException.FromResponseAsync(response, $"POST /{path}", ct);
            }

            using var document = await ReadJsonAsync(response, ct);
            return ElasticsearchResponses.ReadBulk(document.RootElement, operations);
        }
        catch (ElasticsearchUnavailableException e)
        {
            return new BulkAttempt(operations, [], e);
        }
    }

    private async Task<JsonDocument> SendJsonAsync(HttpMethod method, string path, JsonObject? body, CancellationToken ct)
    {
        var content = body is null ? null : ElasticsearchRequests.Json(body);
        using var response = await SendAsync(method, path, content, ct);
        if (!response.IsSuccessStatusCode)
        {
            throw await ElasticsearchException.FromResponseAsync(response, $"{method} /{path}", ct);
        }

        return await ReadJsonAsync(response, ct);
    }

    /// <summary>Sends a request; a network failure or client timeout becomes <see cref="ElasticsearchUnavailableException"/>.</summary>
    private async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        try
        {
            return await _http.SendAsync(request, ct);
        }
        catch (HttpRequestException e)
        {
            throw new ElasticsearchUnavailableException($"{method} /{path} failed: {e.Message}", innerException: e);
        }
        catch (OperationCanceledException e) when (!ct.IsCancellationRequested)
        {
            throw new ElasticsearchUnavailableException($"{method} /{path} timed out.", innerException: e);
        }
    }

    private static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, CancellationToken ct)
    {
        await using var stream = await response.Content.ReadAsStreamAsync(ct);
        return await JsonDocument.ParseAsync(stream, cancellationToken: ct);
    }

    /// <summary>
    /// Exponential with "equal jitter": half of the delay is fixed so it still grows, half random so
    /// workers rejected together do not come back together.
    /// </summary>
    private TimeSpan Backoff(int retry)
    {
        var ceiling = _options.BaseDelay * Math.Pow(2, retry - 1);
        if (ceiling > MaxDelay)
        {
            ceiling = MaxDelay;
        }

        return ceiling * (0.5 + (Random.Shared.NextDouble() / 2));
    }

    /// <summary>Routing is a comma-separated list in search, so a key with a comma would reach other shards.</summary>
    private static void ValidateChatKey(string chatKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(chatKey);
        if (chatKey.Contains(','))
        {
            throw new ArgumentException($"Chat key '{chatKey}' contains ',', which routing cannot carry.", nameof(chatKey));
        }
    }

    /// <summary>Elasticsearch time units: "1s", "500ms".</summary>
    private static string TimeValue(TimeSpan value) =>
        value.Milliseconds == 0 && value.TotalSeconds >= 1 ? $"{(long)value.TotalSeconds}s" : $"{(long)value.TotalMilliseconds}ms";
}
