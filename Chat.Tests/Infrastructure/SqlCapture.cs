using System.Collections.Concurrent;
using System.Data.Common;
using System.Diagnostics;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Chat.Tests.Infrastructure;

/// <summary>
/// Every SQL statement that the API and worker hosts of this process send while it is alive: the text of each
/// (MySqlConnector's activity source, for its raw commands and EF Core's alike) and, for EF Core's queries, the parameter
/// values too (its diagnostic events), so that a test can EXPLAIN exactly what the product ran. The tests' own reads
/// (<see cref="Database"/>) run inside <see cref="Unwatched"/> and are left out.
/// </summary>
public sealed class SqlCapture : IDisposable, IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>
{
    public sealed record Query(string Text, IReadOnlyList<(string Name, object? Value)> Parameters);

    private static readonly AsyncLocal<bool> Off = new();
    private readonly ActivityListener _activities;
    private readonly IDisposable _listeners;
    private readonly List<IDisposable> _subscriptions = [];
    private readonly ConcurrentQueue<string> _statements = new();
    private readonly ConcurrentQueue<Query> _queries = new();

    public SqlCapture()
    {
        _activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "MySqlConnector",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            // The statement is tagged when the command completes (in the same async flow as the caller).
            ActivityStopped = activity =>
            {
                if (!Off.Value && (activity.GetTagItem("db.query.text") ?? activity.GetTagItem("db.statement")) is string text) _statements.Enqueue(text);
            },
        };
        ActivitySource.AddActivityListener(_activities);
        _listeners = DiagnosticListener.AllListeners.Subscribe(this);
    }

    /// <summary>Every statement text sent so far (raw and EF Core), in order.</summary>
    public IReadOnlyList<string> Statements => _statements.ToList();

    /// <summary>EF Core's commands sent so far, with their parameter values.</summary>
    public IReadOnlyList<Query> Queries => _queries.ToList();

    /// <summary>Statements sent inside this scope (and the tasks it starts) are not captured.</summary>
    public static IDisposable Unwatched()
    {
        Off.Value = true;
        return new Restore();
    }

    private sealed class Restore : IDisposable
    {
        public void Dispose() => Off.Value = false;
    }

    void IObserver<DiagnosticListener>.OnNext(DiagnosticListener listener)
    {
        if (listener.Name == DbLoggerCategory.Name)
            lock (_subscriptions) _subscriptions.Add(listener.Subscribe(this, name => name == RelationalEventId.CommandExecuting.Name));
    }

    void IObserver<KeyValuePair<string, object?>>.OnNext(KeyValuePair<string, object?> value)
    {
        if (Off.Value || value.Value is not CommandEventData { Command: DbCommand command }) return;
        _queries.Enqueue(new Query(command.CommandText,
            command.Parameters.Cast<DbParameter>().Select(p => (p.ParameterName, (object?)p.Value)).ToList()));
    }

    void IObserver<DiagnosticListener>.OnCompleted() { }
    void IObserver<DiagnosticListener>.OnError(Exception error) { }
    void IObserver<KeyValuePair<string, object?>>.OnCompleted() { }
    void IObserver<KeyValuePair<string, object?>>.OnError(Exception error) { }

    public void Dispose()
    {
        _activities.Dispose();
        _listeners.Dispose();
        lock (_subscriptions) _subscriptions.ForEach(s => s.Dispose());
    }
}
