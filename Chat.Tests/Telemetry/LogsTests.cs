using System.Collections.Concurrent;
using System.Diagnostics;
using Chat.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.Logging;

namespace Chat.Tests.Telemetry;

/// <summary>Log lines written while a request is traced carry its trace id, so a log search finds the trace.</summary>
public sealed class LogsTests
{
    [Test]
    public async Task LinesWrittenDuringARequestCarryItsTraceId()
    {
        var scopes = new ScopeCapture();
        await using var api = new ApiFactory(new Dictionary<string, string?>
            { ["Logging:LogLevel:Microsoft.AspNetCore.Hosting.Diagnostics"] = "Information" })
            .WithWebHostBuilder(web => web.ConfigureLogging(logging => logging.AddProvider(scopes)));
        var client = api.CreateClient();
        var trace = ActivityTraceId.CreateRandom();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/applications/unknown-token");
        request.Headers.Add("traceparent", $"00-{trace}-{ActivitySpanId.CreateRandom()}-01");
        using var _ = await client.SendAsync(request);

        Assert.That(scopes.TraceIds, Does.Contain(trace.ToString()), "the request's log lines carry TraceId in their scope");
    }

    /// <summary>A provider that sees the scopes the logger factory adds (ActivityTrackingOptions).</summary>
    private sealed class ScopeCapture : ILoggerProvider, ISupportExternalScope
    {
        private IExternalScopeProvider? _scopes;
        public ConcurrentBag<string> TraceIds { get; } = [];

        public void SetScopeProvider(IExternalScopeProvider scopeProvider) => _scopes = scopeProvider;
        public ILogger CreateLogger(string categoryName) => new Logger(this);
        public void Dispose() { }

        private sealed class Logger(ScopeCapture owner) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state) where TState : notnull => owner._scopes?.Push(state);
            public bool IsEnabled(LogLevel logLevel) => true;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
                owner._scopes?.ForEachScope((scope, bag) =>
                {
                    if (scope is IEnumerable<KeyValuePair<string, object?>> pairs)
                        foreach (var (key, value) in pairs)
                            if (key == "TraceId" && value is not null) bag.Add(value.ToString()!);
                }, owner.TraceIds);
        }
    }
}
