using System.Text;
using Chat.Contracts;
using RabbitMQ.Client;

namespace Chat.Tests.Infrastructure;

/// <summary>What lies in the commands' dead-letter queue, read without taking it away.</summary>
public static class DeadLetters
{
    /// <summary>The dead-letter entries carrying the marker, once <paramref name="expected"/> of them arrived (or 30 s passed); left in the queue.</summary>
    public static async Task<List<(string Body, string Reason)>> WithMarkerAsync(string marker, int expected)
    {
        var factory = new ConnectionFactory { Uri = new Uri(TestServices.RabbitMq) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            await using var connection = await factory.CreateConnectionAsync();
            await using var channel = await connection.CreateChannelAsync();
            var found = new List<(string, string)>();
            // Unacknowledged gets: closing the channel puts them all back.
            while (await channel.BasicGetAsync(QueueNames.Dead, autoAck: false) is { } entry)
            {
                var body = Encoding.UTF8.GetString(entry.Body.Span);
                if (!body.Contains(marker)) continue;
                var reason = entry.BasicProperties.Headers?.TryGetValue("x-reason", out var value) == true && value is byte[] bytes
                    ? Encoding.UTF8.GetString(bytes) : "";
                found.Add((body, reason));
            }
            if (found.Count >= expected || DateTime.UtcNow > deadline)
            {
                await Task.Delay(found.Count >= expected ? 2000 : 0); // anything beyond the expected would be a duplicate
                return found;
            }
            await Task.Delay(500);
        }
    }
}
