using Chat.Contracts;
using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.Cluster;
using Elastic.Clients.Elasticsearch.Core.Search;
using Elastic.Clients.Elasticsearch.IndexManagement;
using Elastic.Clients.Elasticsearch.QueryDsl;
using Microsoft.Extensions.Options;
using Polly;

namespace Chat.Domain.Search.Elasticsearch;

/// <summary>
/// The messages index as search and the indexer use it, through its alias, on the official client (one per
/// process). Bulk writes are retried here with back-off (the client does not retry on a single node); every
/// other call reports failures as <see cref="ElasticsearchException"/> (the request's fault) or
/// <see cref="ElasticsearchUnavailableException"/> (try again later).
/// </summary>
public sealed class MessageIndex
{
    // Keeps a long outage from growing the back-off without bound.
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(30);

    private readonly ElasticsearchConnection _connection;
    private readonly ElasticsearchOptions _options;
    private readonly ResiliencePipeline _retry;

    public MessageIndex(ElasticsearchConnection connection, IOptions<ElasticsearchOptions> options)
    {
        _connection = connection;
        _options = options.Value;
        // Jittered, so writers rejected together do not come back together.
        _retry = _options.MaxRetries == 0
            ? ResiliencePipeline.Empty
            : Resilience.Retries.OnTransient(e => e is ElasticsearchUnavailableException, _options.MaxRetries, _options.BaseDelay, MaxDelay);
    }

    public string Alias => _options.Alias;

    private ElasticsearchClient Client => _connection.Client;

    /// <summary>
    /// Writes the operations through the alias, or into <paramref name="index"/> (a reindex fills a new index by
    /// name). Items rejected with 408/429/5xx, or the whole request failing that way or on the network, are sent
    /// again with jittered exponential back-off; other rejections come back as <see cref="BulkResult.Failures"/>.
    /// Throws <see cref="ElasticsearchUnavailableException"/> when transient failures outlast
    /// <see cref="ElasticsearchOptions.MaxRetries"/> (writes are idempotent, so the caller can try the whole batch later).
    /// </summary>
    public async Task<BulkResult> BulkAsync(IReadOnlyList<BulkOperation> operations, CancellationToken ct, string? index = null)
    {
        ArgumentNullException.ThrowIfNull(operations);
        foreach (var operation in operations) ValidateChatKey(operation.ChatKey);

        var failures = new List<BulkFailure>();
        var pending = operations;
        try
        {
            await _retry.ExecuteAsync(async token =>
            {
                var attempt = await BulkWrites.SendAsync(Client, index ?? Alias, requireAlias: index is null, pending, token);
                failures.AddRange(attempt.Failures);
                pending = attempt.Retry;
                if (attempt.Cause is { } cause) throw cause;
            }, ct);
        }
        catch (ElasticsearchUnavailableException e) when (_options.MaxRetries > 0)
        {
            throw new ElasticsearchUnavailableException(
                $"Bulk write of {pending.Count} operation(s) still failing after {_options.MaxRetries} retries: {e.Message}", e.Status, e.ErrorType, e);
        }
        return new BulkResult(failures);
    }

    /// <summary>Numbers of one chat's messages whose lower-cased body contains the lower-cased <paramref name="query"/>, newest first.</summary>
    public async Task<SearchResult> SearchAsync(string chatKey, string query, int size, int? searchAfterNumber, CancellationToken ct)
    {
        ValidateChatKey(chatKey);
        ArgumentException.ThrowIfNullOrEmpty(query);
        if (query.Length > Limits.MaxQueryLength)
            throw new ArgumentException($"The search text is longer than {Limits.MaxQueryLength} characters.", nameof(query));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, MaxPageSize);

        var request = new SearchRequest(Alias)
        {
            Routing = chatKey,
            Size = size,
            // Nobody reads a total; counting every match would cost as much as finding them all.
            TrackTotalHits = new TrackHits(false),
            Source = new SourceConfig(new SourceFilter { Includes = Fields.FromString("number") }),
            Query = new BoolQuery
            {
                Filter =
                [
                    // Routing only picks the shard; other chats share it.
                    new TermQuery("chat_key", chatKey),
                    new WildcardQuery("body_lc") { Value = IndexDefinition.ContainsPattern(query), CaseInsensitive = true },
                ],
            },
            Sort = [new SortOptions { Field = new FieldSort("number") { Order = SortOrder.Desc } }],
            SearchAfter = searchAfterNumber is { } after ? [FieldValue.Long(after)] : null,
        };
        var response = Responses.ThrowIfFailed(await Responses.SendAsync(token => Client.SearchAsync<IndexedNumber>(request, token), ct));
        // A search whose shards failed still answers 200, with whatever the other shards found.
        if (response.Shards.Failed > 0)
        {
            var (type, reason) = Responses.Describe(response.Shards.Failures?.FirstOrDefault()?.Reason);
            throw new ElasticsearchException($"Search failed on {response.Shards.Failed} shard(s): {type}: {reason}", 200, type);
        }

        var numbers = response.Hits.Select(hit => hit.Source!.Number).ToList();
        return new SearchResult(numbers, numbers.Count == size ? numbers[^1] : null);
    }

    /// <summary>
    /// Deletes one chat's messages (<paramref name="chatKey"/> given: routed, waits for completion) or a whole
    /// application's (<paramref name="chatKey"/> null: every shard, runs as a background task).
    /// </summary>
    public async Task<DeleteByQueryResult> DeleteByQueryAsync(string? chatKey, string appKey, CancellationToken ct)
    {
        ArgumentException.ThrowIfNullOrEmpty(appKey);
        if (chatKey is not null) ValidateChatKey(chatKey);
        var request = chatKey is null
            ? new DeleteByQueryRequest(Alias) { Conflicts = Conflicts.Proceed, WaitForCompletion = false, Query = new TermQuery("app_key", appKey) }
            // conflicts=proceed: a message indexed meanwhile must not abort the delete.
            : new DeleteByQueryRequest(Alias) { Routing = chatKey, Conflicts = Conflicts.Proceed, Query = new TermQuery("chat_key", chatKey) };
        var response = Responses.ThrowIfFailed(await Responses.SendAsync(token => Client.DeleteByQueryAsync(request, token), ct));
        if (response.Task is { } task) return new DeleteByQueryResult(null, task.ToString());
        // Documents it could not delete are listed in a 200.
        if (response.Failures is { Count: > 0 } failures)
        {
            var (type, reason) = Responses.Describe(failures.First().Cause);
            throw new ElasticsearchException($"Delete by query had {failures.Count} failure(s): {type}: {reason}", 200, type);
        }
        if (response.TimedOut == true) throw new ElasticsearchUnavailableException("Delete by query timed out before finishing.");
        return new DeleteByQueryResult(response.Deleted ?? 0, null);
    }

    /// <summary>
    /// Makes every write so far visible to search. Delete-by-query only sees what a refresh made visible, so a
    /// message indexed a moment before its chat was deleted would otherwise survive the delete.
    /// </summary>
    public async Task RefreshAsync(CancellationToken ct, string? index = null) =>
        Responses.ThrowIfFailed(await Responses.SendAsync(token => Client.Indices.RefreshAsync(new RefreshRequest(index ?? Alias), token), ct));

    /// <summary>
    /// True when the cluster is green or yellow within <see cref="ElasticsearchOptions.HealthTimeout"/>;
    /// false while it is unreachable or still starting (408, 429, 5xx), so the caller polls.
    /// </summary>
    public async Task<bool> IsReadyAsync(CancellationToken ct)
    {
        var request = new HealthRequest { WaitForStatus = HealthStatus.Yellow, Timeout = _options.HealthTimeout };
        try
        {
            var response = Responses.ThrowIfFailed(await Responses.SendAsync(token => Client.Cluster.HealthAsync(request, token), ct));
            return response.Status is HealthStatus.Green or HealthStatus.Yellow;
        }
        catch (ElasticsearchUnavailableException)
        {
            return false;
        }
    }

    /// <summary>Elasticsearch's default <c>index.max_result_window</c>.</summary>
    public const int MaxPageSize = 10_000;

    /// <summary>Routing is a comma-separated list in search, so a key with a comma would reach other shards.</summary>
    private static void ValidateChatKey(string chatKey)
    {
        ArgumentException.ThrowIfNullOrEmpty(chatKey);
        if (chatKey.Contains(','))
            throw new ArgumentException($"Chat key '{chatKey}' contains ',', which routing cannot carry.", nameof(chatKey));
    }
}
