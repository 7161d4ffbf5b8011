using System.Diagnostics;
using System.Text.Json;
using Chat.Domain.Messaging;
using Chat.Domain.Pipeline;
using Chat.Domain.Search.Elasticsearch;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using KestrelServerOptions = Microsoft.AspNetCore.Server.Kestrel.Core.KestrelServerOptions;
using StackExchange.Redis;

namespace Chat.Api.Shared;

public static class ProblemHandling
{
    /// <summary>Kestrel's body limit; nginx enforces the same (nginx/chat.conf client_max_body_size).</summary>
    public const int MaxBodyBytes = 64 * 1024;

    /// <summary>snake_case JSON in and out, as API.md promises.</summary>
    public static IHostApplicationBuilder AddJsonConventions(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<JsonOptions>(o => o.SerializerOptions.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
        return builder;
    }

    public static IHostApplicationBuilder AddProblemHandling(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        // After the default writer, which refuses clients whose Accept header excludes JSON.
        builder.Services.AddSingleton<IProblemDetailsWriter, ProblemJsonWriter>();
        builder.Services.AddExceptionHandler<ExceptionToProblem>();
        // Bad JSON and wrong content types surface as exceptions, so ExceptionToProblem can say what was wrong.
        builder.Services.Configure<RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.Configure<KestrelServerOptions>(k => k.Limits.MaxRequestBodySize = MaxBodyBytes);
        return builder;
    }
}

/// <summary>
/// Writes the problem for a client whose Accept header excludes JSON (e.g. <c>text/html</c>): this API has no other
/// error format, and without a writer the body would be empty, or a plain-text status line, and the exception
/// handler would log the client's own mistake as an unhandled exception.
/// </summary>
internal sealed class ProblemJsonWriter(IOptions<JsonOptions> json) : IProblemDetailsWriter
{
    public bool CanWrite(ProblemDetailsContext context) => true;

    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        var http = context.HttpContext;
        context.ProblemDetails.Status ??= http.Response.StatusCode;
        // The same defaults (type, title) and trace id as the default writer, under the same (snake_case) key.
        var problem = TypedResults.Problem(context.ProblemDetails).ProblemDetails;
        var traceKey = json.Value.SerializerOptions.PropertyNamingPolicy?.ConvertName("traceId") ?? "traceId";
        problem.Extensions.TryAdd(traceKey, Activity.Current?.Id ?? http.TraceIdentifier);
        return new ValueTask(http.Response.WriteAsJsonAsync(problem, json.Value.SerializerOptions, "application/problem+json"));
    }
}

/// <summary>
/// The one place where failures become HTTP answers: client mistakes keep their 4xx status with a clear
/// detail, an unavailable dependency is a 503 with Retry-After, and only real bugs are a 500 (without internals).
/// </summary>
internal sealed partial class ExceptionToProblem(IProblemDetailsService problems, ILogger<ExceptionToProblem> log) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext http, Exception exception, CancellationToken ct)
    {
        var (status, title, detail) = exception switch
        {
            BadHttpRequestException { InnerException: JsonException json } =>
                (StatusCodes.Status400BadRequest, "Malformed JSON", JsonDetail(json)),
            BadHttpRequestException bad => (bad.StatusCode, ReasonOf(bad.StatusCode), FrameworkMessages.ForClient(bad.Message)),
            ContendedWriteException contended => (StatusCodes.Status409Conflict, "Changed concurrently", contended.Message),
            _ when Failures.CausedBy<BrokerUnavailableException>(exception) => Unavailable("message broker"),
            _ when Failures.CausedBy<RedisException>(exception) => Unavailable("cache"),
            _ when Failures.CausedBy<ElasticsearchUnavailableException>(exception) => Unavailable("search index"),
            ElasticsearchException { IndexMissing: true } => Unavailable("search index"),
            _ when Failures.DatabaseUnavailable(exception) || Failures.CausedBy<TimeoutException>(exception) => Unavailable("database"),
            _ => (StatusCodes.Status500InternalServerError, "Internal error", "The request failed unexpectedly."),
        };
        if (status >= 500 && status != StatusCodes.Status503ServiceUnavailable)
            LogUnhandled(exception, http.Request.Method, http.Request.Path);
        else if (status == StatusCodes.Status503ServiceUnavailable)
            // The handler runs with the endpoint cleared; the feature keeps the one that failed.
            LogDependencyDown(http.Request.Method, (http.Features.Get<IExceptionHandlerFeature>()?.Endpoint as RouteEndpoint)?.RoutePattern.RawText ?? http.Request.Path,
                WhereInOurCode(exception), exception.GetBaseException().GetType().Name, exception.GetBaseException().Message);
        if (status == StatusCodes.Status503ServiceUnavailable)
            http.Response.Headers.RetryAfter = "5";

        http.Response.StatusCode = status;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = http,
            Exception = exception,
            ProblemDetails = { Status = status, Title = title, Detail = detail },
        });
    }

    private static (int, string, string) Unavailable(string dependency) =>
        (StatusCodes.Status503ServiceUnavailable, "Service unavailable", $"The {dependency} is unavailable; retry later.");

    // Position only: the exception message may echo parts of the body.
    private static string JsonDetail(JsonException json) =>
        json.Path is null ? "The request body is not valid JSON." : $"The request body is not valid JSON at '{json.Path}'.";

    private static string ReasonOf(int status) => status switch
    {
        StatusCodes.Status413PayloadTooLarge => "Request body too large",
        StatusCodes.Status415UnsupportedMediaType => "Unsupported media type",
        _ => "Bad request",
    };

    [LoggerMessage(Level = LogLevel.Error, Message = "Unhandled exception on {Method} {Path}")]
    private partial void LogUnhandled(Exception exception, string method, string path);

    /// <summary>The project's own methods the failure passed through, innermost first: which step needed the dependency, called from where.</summary>
    private static string WhereInOurCode(Exception exception) => string.Join(" < ", Frames(exception).Distinct());

    private static IEnumerable<string> Frames(Exception exception) =>
        (exception.InnerException is { } inner ? Frames(inner) : []).Concat((exception.StackTrace ?? "").Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.StartsWith("at Chat.", StringComparison.Ordinal))
            .Select(line => line[3..line.IndexOf('(')]));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Dependency unavailable on {Method} {Route} ({Where}): {Type}: {Message}")]
    private partial void LogDependencyDown(string method, string? route, string where, string type, string message);
}
