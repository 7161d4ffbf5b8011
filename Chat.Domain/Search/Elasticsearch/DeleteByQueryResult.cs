namespace Chat.Domain.Search.Elasticsearch;

/// <summary>
/// <see cref="Deleted"/> is set when the delete ran to completion (one chat);
/// <see cref="TaskId"/> when it runs in the background (a whole application).
/// </summary>
public sealed record DeleteByQueryResult(long? Deleted, string? TaskId);
