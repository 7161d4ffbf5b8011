using System.Net;

namespace Chat.Domain.Search.Elasticsearch;

/// <summary>Elasticsearch refused a request; retrying the same request will not help.</summary>
public class ElasticsearchException : Exception
{
    public ElasticsearchException(string message, int? status = null, string? errorType = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Status = status;
        ErrorType = errorType;
    }

    /// <summary>HTTP status of the response, or null when none arrived.</summary>
    public int? Status { get; }

    /// <summary>Elasticsearch's <c>error.type</c>, e.g. <c>mapper_parsing_exception</c>.</summary>
    public string? ErrorType { get; }

    /// <summary>The index (or alias) does not exist yet: the worker creates it when it starts.</summary>
    public bool IndexMissing => ErrorType == IndexNotFound;

    internal const string IndexNotFound = "index_not_found_exception";

    /// <summary>Too many requests, timeouts and server errors pass; everything else is the request's fault.</summary>
    internal static bool IsTransient(int status) =>
        status is (int)HttpStatusCode.RequestTimeout or (int)HttpStatusCode.TooManyRequests or >= 500;
}
