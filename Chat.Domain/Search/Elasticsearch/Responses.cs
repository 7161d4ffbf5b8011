using Elastic.Clients.Elasticsearch;
using Elastic.Transport.Products.Elasticsearch;

namespace Chat.Domain.Search.Elasticsearch;

/// <summary>
/// Turns the official client's responses into this project's outcomes. The client does not throw (ThrowExceptions
/// stays off, so a bulk with one failed item is not an exception for the whole batch); it returns a response
/// whose <c>ApiCallDetails</c> say what happened, and that is read here in one place.
/// </summary>
internal static class Responses
{
    /// <summary>
    /// Runs one call. The caller's cancellation comes back from the client as a failed response, not as an
    /// exception, so it is checked here; a server that is not Elasticsearch (the product check) is unavailable.
    /// </summary>
    public static async Task<T> SendAsync<T>(Func<CancellationToken, Task<T>> call, CancellationToken ct) where T : ElasticsearchResponse
    {
        T response;
        try
        {
            response = await call(ct);
        }
        catch (UnsupportedProductException e)
        {
            throw new ElasticsearchUnavailableException(
                $"The server at Elasticsearch:Url did not identify itself as Elasticsearch (no X-Elastic-Product header): {e.Message}",
                innerException: e);
        }
        ct.ThrowIfCancellationRequested();
        return response;
    }

    /// <summary>Null when the server answered 2xx (whether that is a success is the operation's business: bulk items, shards).</summary>
    public static ElasticsearchException? FailureOf(ElasticsearchResponse response)
    {
        var call = response.ApiCallDetails;
        var operation = $"{call.HttpMethod.ToString().ToUpperInvariant()} {call.Uri?.PathAndQuery}";
        if (call.HttpStatusCode is not { } status)
        {
            // Refused, reset, timed out: nothing came back.
            var cause = call.OriginalException;
            return new ElasticsearchUnavailableException($"{operation} failed: {cause?.GetBaseException().Message ?? "no response"}", innerException: cause);
        }
        if (status is >= 200 and < 300) return null;

        var error = response.ElasticsearchServerError?.Error;
        var type = string.IsNullOrEmpty(error?.Type) ? "unknown" : error.Type;
        var reason = error?.Reason
            // Not Elasticsearch's JSON error: a proxy's or load balancer's page, typically HTML.
            ?? $"the body is not an Elasticsearch error ({call.ResponseContentType ?? "no content type"}), so something in between answered";
        var message = $"{operation} answered {status} {type}: {reason}";
        return ElasticsearchException.IsTransient(status)
            ? new ElasticsearchUnavailableException(message, status, type, call.OriginalException)
            : new ElasticsearchException(message, status, type, call.OriginalException);
    }

    public static T ThrowIfFailed<T>(T response) where T : ElasticsearchResponse =>
        FailureOf(response) is { } failure ? throw failure : response;

    /// <summary>An error of an item, a shard or a document (the client's type, not the transport's).</summary>
    public static (string Type, string Reason) Describe(Elastic.Clients.Elasticsearch.ErrorCause? error) =>
        (error?.Type ?? "unknown", error?.Reason ?? "no reason given");
}
