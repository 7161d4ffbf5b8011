using System.Globalization;
using System.Security.Claims;

namespace Chat.Api.Shared.Identity;

/// <summary>Who is calling, within one application (API.md, "Authentication").</summary>
public enum Role
{
    /// <summary>The path token alone: an application in <c>open</c> mode.</summary>
    Token,

    /// <summary>The application secret: the integrator's own backend. May do everything, for any user.</summary>
    Server,

    /// <summary>A user token: one end user, who acts only as themselves and sees only their chats.</summary>
    User,
}

/// <param name="UserId">The user a <see cref="Role.User"/> caller is (the token's <c>sub</c>); null otherwise.</param>
public sealed record Caller(Role Role, string? UserId = null)
{
    public static readonly Caller Token = new(Role.Token);
    public static readonly Caller Server = new(Role.Server);

    public static Caller User(string id) => new(Role.User, id);

    public bool IsUser => Role == Role.User;

    private const string RoleClaim = "chat:role";
    private const string ApplicationClaim = "chat:application";
    private const string UserClaim = "sub";

    /// <summary>The caller as a principal of <paramref name="app"/>, for a hub connection (which has no route group).</summary>
    public ClaimsPrincipal ToPrincipal(KnownApplication app)
    {
        var claims = new List<Claim> { new(RoleClaim, Role.ToString()), new(ApplicationClaim, app.Id.ToString(CultureInfo.InvariantCulture)) };
        if (UserId is not null) claims.Add(new Claim(UserClaim, UserId));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, "chat", UserClaim, RoleClaim));
    }

    /// <summary>
    /// The caller a principal made by <see cref="ToPrincipal"/> stands for, and the application it belongs to; the path
    /// token alone (no application) for an unauthenticated one.
    /// </summary>
    public static (Caller Caller, long? Application) FromPrincipal(ClaimsPrincipal? principal)
    {
        if (principal?.FindFirstValue(RoleClaim) is not { } role || !Enum.TryParse<Role>(role, out var parsed)) return (Token, null);
        var application = long.Parse(principal.FindFirstValue(ApplicationClaim)!, CultureInfo.InvariantCulture);
        return (new Caller(parsed, principal.FindFirstValue(UserClaim)), application);
    }

    /// <summary>Whether the caller may act for <paramref name="user"/> (send as, report receipts for, leave as, …).</summary>
    public bool MayActFor(string? user) => !IsUser || user == UserId;
}
