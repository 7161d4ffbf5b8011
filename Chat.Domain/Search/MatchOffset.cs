namespace Chat.Domain.Search;

/// <summary>A match inside a message body, in UTF-16 code units (the unit JavaScript strings use).</summary>
public readonly record struct MatchOffset(int Start, int Length);
