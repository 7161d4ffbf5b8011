namespace Chat.Bench.Server;

/// <summary>
/// A fast webhook receiver for bench/run's webhook rows: answers 204 at once and counts. Kestrel rather than an
/// <c>HttpListener</c> in the driver, which cost the shared machine 0.08 ms per delivery (measured): the receiver is
/// someone else's server in production, so on 2 shared cores it should take as little as it can from the product.
/// </summary>
public static class WebhookReceiver
{
    private static long _received;

    public static void MapWebhookReceiver(this WebApplication app)
    {
        app.MapPost("/hooks", () =>
        {
            Interlocked.Increment(ref _received);
            return Results.NoContent();
        });
        app.MapGet("/hooks/received", () => Interlocked.Read(ref _received));
    }
}
