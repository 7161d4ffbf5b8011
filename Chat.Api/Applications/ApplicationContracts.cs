namespace Chat.Api.Applications;

public sealed record ApplicationRequest(string? Name);

public sealed record ApplicationResponse(string Token, string Name, int ChatsCount, DateTime CreatedAt, DateTime UpdatedAt);

/// <summary>What every request under <c>/applications/{token}</c> needs to know about its application; cached in Redis.</summary>
public sealed record KnownApplication(long Id, string Token, string Name, int ChatsCount, DateTime CreatedAt, DateTime UpdatedAt)
{
    public ApplicationResponse ToResponse() => new(Token, Name, ChatsCount, CreatedAt, UpdatedAt);
}

/// <summary>A page of a list endpoint: <c>next</c> is the relative URL of the following page, or null.</summary>
public sealed record Page<T>(IReadOnlyList<T> Data, string? Next);
