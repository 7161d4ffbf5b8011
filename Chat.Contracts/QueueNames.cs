namespace Chat.Contracts;

/// <summary>The broker's names for the command queues (each behind a fanout exchange of the same name).</summary>
public static class QueueNames
{
    /// <summary>Commands for the worker.</summary>
    public const string Commands = "chat.commands";

    /// <summary>Commands that must wait (a message whose chat is not persisted yet); they flow back after a TTL.</summary>
    public const string Retry = "chat.commands.retry";

    /// <summary>What failed for good, with the reason in the <c>x-reason</c> header.</summary>
    public const string Dead = "chat.commands.dead";
}
