using Elastic.Clients.Elasticsearch;
using Elastic.Clients.Elasticsearch.Core.Bulk;

namespace Chat.Domain.Search.Elasticsearch;

/// <summary>One bulk round trip on the official client, and what each item's answer means.</summary>
internal static class BulkWrites
{
    /// <param name="requireAlias">
    /// Through the alias: refuse to write when it is missing, instead of letting Elasticsearch create a plain
    /// index by that name with a guessed mapping.
    /// </param>
    public static async Task<BulkAttempt> SendAsync(
        ElasticsearchClient client, string target, bool requireAlias, IReadOnlyList<BulkOperation> operations, CancellationToken ct)
    {
        var request = new BulkRequest(target)
        {
            RequireAlias = requireAlias ? true : null,
            Operations = [.. operations.Select(Wire)],
        };
        var response = await Responses.SendAsync(token => client.BulkAsync(request, token), ct);
        // Not IsValidResponse: that is false whenever any item failed, 409s included. A 200 is read item by item.
        switch (Responses.FailureOf(response))
        {
            case ElasticsearchUnavailableException unavailable:
                return new BulkAttempt(operations, [], unavailable);
            case { } refused:
                throw refused;
        }

        var items = response.Items.ToList();
        if (items.Count != operations.Count)
            throw new ElasticsearchException($"Bulk response has {items.Count} items for {operations.Count} operations.");
        var retry = new List<BulkOperation>();
        var failures = new List<BulkFailure>();
        ElasticsearchUnavailableException? cause = null;
        for (var i = 0; i < items.Count; i++)
        {
            var (operation, item) = (operations[i], items[i]);
            if (IsDone(operation, item)) continue;
            var (type, reason) = Responses.Describe(item.Error);
            // A missing alias is made good by the indexer (it creates the index) or by a reindex: wait for it.
            if (ElasticsearchException.IsTransient(item.Status) || type == ElasticsearchException.IndexNotFound)
            {
                retry.Add(operation);
                cause ??= new ElasticsearchUnavailableException($"item answered {item.Status} {type}: {reason}", item.Status, type);
            }
            else
            {
                failures.Add(new BulkFailure(operation, item.Status, type, reason));
            }
        }
        return new BulkAttempt(retry, failures, cause);
    }

    /// <summary>
    /// A delete of a document that is not there has reached the state the caller wanted; so has a versioned
    /// write that lost to a version already stored (a redelivery, or a newer state that arrived first).
    /// </summary>
    private static bool IsDone(BulkOperation operation, ResponseItem item) =>
        item.Status is >= 200 and < 300
        || (operation is BulkOperation.Delete && item.Status == 404 && item.Result == "not_found")
        || (operation is BulkOperation.Index { Version: not null } or BulkOperation.Delete { Version: not null }
            && item.Status == 409 && item.Error?.Type == "version_conflict_engine_exception");

    private static IBulkOperation Wire(BulkOperation operation) => operation switch
    {
        BulkOperation.Index index => new BulkIndexOperation<IndexedMessage>(IndexedMessage.From(index.Document))
        {
            Id = MessageDocument.Id(index.ChatKey, index.Document.Number),
            Routing = index.ChatKey,
            // Applied only if greater than the stored version; otherwise the item answers 409.
            Version = index.Version,
            VersionType = index.Version is null ? null : VersionType.External,
        },
        BulkOperation.Delete delete => new BulkDeleteOperation(MessageDocument.Id(delete.ChatKey, delete.Number))
        {
            Routing = delete.ChatKey,
            Version = delete.Version,
            VersionType = delete.Version is null ? null : VersionType.External,
        },
        _ => throw new ArgumentException($"Unknown bulk operation {operation.GetType().Name}.", nameof(operation)),
    };
}
