using System.Threading.Channels;
using Chat.Domain.Webhooks;

namespace Chat.Worker.Webhooks;

/// <summary>
/// The deliveries log, written in batches (one multi-row upsert every 200 ms at most) instead of one statement per
/// attempt: under load the log must not compete with persistence for MySQL. The log is for people: lines still
/// buffered when a worker is killed are lost, never a delivery (the next attempt or a replay writes its line again).
/// </summary>
public sealed partial class DeliveryLog(WebhookStore store, ILogger<DeliveryLog> log) : BackgroundService
{
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(200);
    private const int MaxBatch = 500;

    private readonly Channel<(long App, string Webhook, DeliveryRow Row)> _lines =
        Channel.CreateBounded<(long, string, DeliveryRow)>(new BoundedChannelOptions(50_000) { FullMode = BoundedChannelFullMode.DropOldest });

    public void Add(long app, string webhook, DeliveryRow row) => _lines.Writer.TryWrite((app, webhook, row));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<(long, string, DeliveryRow)>();
        while (true)
        {
            try
            {
                if (!await _lines.Reader.WaitToReadAsync(stoppingToken)) break;
                await Task.Delay(Window, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                // stopping: write what is buffered, then end
            }
            while (batch.Count < MaxBatch && _lines.Reader.TryRead(out var line)) batch.Add(line);
            try
            {
                // In order: an attempt's line after the one before it (the upsert keeps the latest).
                await store.RecordAsync(batch, CancellationToken.None);
            }
            catch (Exception e) when (e is MySqlConnector.MySqlException or InvalidOperationException)
            {
                LogNotRecorded(batch.Count, e.Message);
            }
            batch.Clear();
            if (stoppingToken.IsCancellationRequested && !_lines.Reader.TryPeek(out _)) break;
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} lines of the webhook deliveries log not written: {Reason}")]
    private partial void LogNotRecorded(int count, string reason);
}
