namespace Chat.Bench.Server;

/// <summary>The same request body as the product's message creation.</summary>
public sealed record MessageRequest(string? Body);

/// <summary>A 201 of about the same size as the product's.</summary>
public sealed record MessageCreated(long Number, string Body, DateTime CreatedAt);
