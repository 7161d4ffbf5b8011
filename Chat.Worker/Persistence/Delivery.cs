using Chat.Domain.Messaging;

namespace Chat.Worker.Persistence;

/// <summary>One command as the broker delivered it; the body is copied because the client reuses its buffer.</summary>
public sealed record Delivery(ulong Tag, byte[] Body, bool Redelivered, int Waits)
{
    public Command? Command { get; } = CommandJson.TryDeserialize(Body);

    public const string WaitsHeader = "x-waits";
    public const string ReasonHeader = "x-reason";
}
