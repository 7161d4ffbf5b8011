using Chat.Domain.Security;
using System.Security.Claims;
using System.Text.Encodings.Web;
using Chat.Domain;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Http.Features.Authentication;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Chat.Api.Shared.Identity;

/// <summary>
/// ASP.NET Core authentication for the two credentials of an application (docs/decisions/0014): the application secret
/// (the server role) and user tokens, JWTs validated by the JwtBearer handler with the application's own secrets as keys.
/// Nothing authenticates by itself: the route groups resolve the application first and then ask
/// (<see cref="IdentifyAsync"/>), so the keys come from the one cached look-up the request already made.
/// </summary>
public static class CallerAuthentication
{
    /// <summary>Forwards to <see cref="UserTokenScheme"/> for a JWT and to <see cref="SecretScheme"/> for anything else.</summary>
    public const string Scheme = "caller";
    public const string UserTokenScheme = "user-token";
    public const string SecretScheme = "application-secret";

    public static IHostApplicationBuilder AddCallerAuthentication(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<AuthOptions>(AuthOptions.Section);
        builder.Services.AddSingleton<ApplicationSecrets>();
        builder.Services.AddHttpContextAccessor();
        builder.Services.AddAuthentication()
            .AddPolicyScheme(Scheme, null, o => o.ForwardDefaultSelector = http =>
                Credential.IsJwt(Credential.Of(http.Request)) ? UserTokenScheme : SecretScheme)
            .AddJwtBearer(UserTokenScheme, _ => { })
            .AddScheme<AuthenticationSchemeOptions, SecretHandler>(SecretScheme, null);
        builder.Services.AddOptions<JwtBearerOptions>(UserTokenScheme)
            .Configure<IOptions<AuthOptions>, IHttpContextAccessor, ApplicationSecrets>(ConfigureUserTokens);
        return builder;
    }

    /// <summary>
    /// Who calls the application in <see cref="RequestContext.App"/>: sets <see cref="RequestContext.Caller"/>, or returns
    /// the 401 to answer. No credential is the path token alone, enough in <c>open</c> mode only; a credential that is
    /// present is always verified, in every mode.
    /// </summary>
    public static async Task<IResult?> IdentifyAsync(HttpContext http, RequestContext request)
    {
        if (!Credential.IsPresented(http.Request))
        {
            if (request.App.Access.RequiresCredential)
                return Unauthorized(http, "This application needs the application secret or a user token: Authorization: Bearer <credential>.");
            request.Identify(Caller.Token);
            return null;
        }
        var result = await http.AuthenticateAsync(Scheme);
        if (!result.Succeeded)
            return Unauthorized(http, "The credential is not valid for this application: a wrong, expired, revoked or malformed secret or user token.");
        var caller = result.Ticket.AuthenticationScheme == UserTokenScheme
            ? Caller.User(result.Principal.FindFirstValue(JwtRegisteredClaimNames.Sub)!)
            : Caller.Server;
        request.Identify(caller);
        // As the authentication middleware would: SignalR reads the user of a hub connection, and when its credential
        // expires (CloseOnAuthenticationExpiration), from these.
        var authenticated = new Authenticated(AuthenticateResult.Success(
            new AuthenticationTicket(caller.ToPrincipal(request.App), result.Properties, result.Ticket.AuthenticationScheme)));
        http.Features.Set<IAuthenticateResultFeature>(authenticated);
        http.Features.Set<IHttpAuthenticationFeature>(authenticated);
        return null;
    }

    private sealed class Authenticated(AuthenticateResult result) : IAuthenticateResultFeature, IHttpAuthenticationFeature
    {
        public AuthenticateResult? AuthenticateResult { get; set; } = result;
        public ClaimsPrincipal? User { get; set; } = result.Principal;
    }

    public static IResult Unauthorized(HttpContext http, string detail)
    {
        http.Response.Headers.WWWAuthenticate = "Bearer";
        return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized", detail: detail);
    }

    private static void ConfigureUserTokens(JwtBearerOptions jwt, IOptions<AuthOptions> auth, IHttpContextAccessor http, ApplicationSecrets secrets)
    {
        var options = auth.Value;
        jwt.MapInboundClaims = false; // keep "sub" as "sub"
        jwt.TokenValidationParameters = new TokenValidationParameters
        {
            // HS256 only: "none" (unsigned) and every other algorithm are refused before any key is tried.
            ValidAlgorithms = [SecurityAlgorithms.HmacSha256],
            RequireSignedTokens = true,
            RequireExpirationTime = true,
            ValidateLifetime = true,
            ClockSkew = options.ClockSkew,
            ValidateIssuer = false,
            ValidateAudience = false,
            NameClaimType = JwtRegisteredClaimNames.Sub,
            // The application was resolved by the route group before authentication was asked for: its secrets sign.
            IssuerSigningKeyResolver = (_, _, _, _) => secrets.SigningKeysOf(RequestContextOf(http).App),
        };
        jwt.Events = new JwtBearerEvents
        {
            // The same extraction as every other credential check (the hub's access_token included).
            OnMessageReceived = context =>
            {
                context.Token = Credential.Of(context.Request);
                return Task.CompletedTask;
            },
            OnTokenValidated = context =>
            {
                if (Refusal((JsonWebToken)context.SecurityToken, RequestContextOf(http).App, options) is { } reason) context.Fail(reason);
                return Task.CompletedTask;
            },
        };
    }

    /// <summary>What the JWT handler does not check itself: <c>sub</c>, the longest lifetime, and revocation.</summary>
    private static string? Refusal(JsonWebToken token, KnownApplication app, AuthOptions options)
    {
        if (!token.TryGetPayloadValue<string>(JwtRegisteredClaimNames.Sub, out var sub) || !UserIds.IsWellFormed(sub))
            return "sub must be a user id of 1 to 64 characters.";
        if (token.ValidTo > DateTime.UtcNow + options.MaxUserTokenLifetime + options.ClockSkew)
            return $"exp is more than {options.MaxUserTokenLifetime} ahead.";
        var issued = token.TryGetPayloadValue<long>(JwtRegisteredClaimNames.Iat, out _) ? token.IssuedAt : (DateTime?)null;
        if (app.Access.UserTokensRevokedBefore is { } revoked && (issued is null || issued < revoked))
            return "The application revoked user tokens issued before " + revoked.ToString("O") + ".";
        return null;
    }

    private static RequestContext RequestContextOf(IHttpContextAccessor http) =>
        http.HttpContext?.RequestServices.GetRequiredService<RequestContext>()
        ?? throw new InvalidOperationException("A user token is validated outside of a request.");

    /// <summary>The server role: the presented bearer value is one of the application's secrets.</summary>
    private sealed class SecretHandler(IOptionsMonitor<AuthenticationSchemeOptions> options, ILoggerFactory logger, UrlEncoder encoder,
        ApplicationSecrets secrets) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
    {
        protected override Task<AuthenticateResult> HandleAuthenticateAsync()
        {
            if (Credential.Of(Request) is not { } presented) return Task.FromResult(AuthenticateResult.NoResult());
            var app = Context.RequestServices.GetRequiredService<RequestContext>().App;
            if (!secrets.IsSecretOf(app, presented)) return Task.FromResult(AuthenticateResult.Fail("Not a secret of this application."));
            var identity = new ClaimsIdentity(Scheme.Name);
            return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), Scheme.Name)));
        }
    }
}
