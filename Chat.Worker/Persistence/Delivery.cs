using System.Diagnostics;
using Chat.Contracts;
using Chat.Worker.Queueing;

namespace Chat.Worker.Persistence;

/// <summary>One command as the broker delivered it; the body is copied because the client reuses its buffer.</summary>
public sealed record Delivery(ulong Tag, byte[] Body, bool Redelivered, int Waits) : IQueuedDelivery
{
    private readonly (Command? Command, string? Problem) _parsed = Parse(Body);

    /// <summary>The command, or null when the body is not one this worker can apply (see <see cref="Problem"/>).</summary>
    public Command? Command => _parsed.Command;

    /// <summary>Why the body is not an applicable command: the dead-letter reason.</summary>
    public string? Problem => _parsed.Problem;

    /// <summary>The span that published it (the API request's trace), from the W3C trace context in its headers.</summary>
    public ActivityContext Parent { get; init; }

    /// <summary>When the API accepted it (first publish), for the accept-to-persist lag.</summary>
    public DateTimeOffset? AcceptedAt { get; init; }

    public const string WaitsHeader = "x-waits";
    public const string ReasonHeader = "x-reason";

    private static (Command?, string?) Parse(byte[] body)
    {
        if (CommandJson.TryDeserialize(body) is not { } command)
            return (null, "Not a command this worker understands (malformed JSON or unknown type).");
        return CommandValidation.ProblemOf(command) is { } problem ? (null, $"Incomplete command: {problem}") : (command, null);
    }
}
