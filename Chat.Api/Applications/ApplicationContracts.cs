using Chat.Api.Shared;

namespace Chat.Api.Applications;

public sealed record ApplicationRequest(string? Name);

public sealed record ApplicationResponse(string Token, string Name, int ChatsCount, DateTime CreatedAt, DateTime UpdatedAt)
{
    public static ApplicationResponse Of(KnownApplication app) => new(app.Token, app.Name, app.ChatsCount, app.CreatedAt, app.UpdatedAt);
}
