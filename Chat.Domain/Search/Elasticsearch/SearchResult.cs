namespace Chat.Domain.Search.Elasticsearch;

/// <summary>
/// One page of matching message numbers, newest first. <see cref="NextSearchAfter"/> is the sort value of the last
/// hit when the page was full (pass it back for the next page), otherwise null.
/// </summary>
public sealed record SearchResult(IReadOnlyList<int> Numbers, int? NextSearchAfter);
