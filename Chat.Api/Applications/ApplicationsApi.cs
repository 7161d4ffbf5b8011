using Chat.Domain.Security;
using System.Globalization;
using Chat.Api.Shared;
using Chat.Api.Shared.Identity;
using Chat.Contracts;
using Chat.Domain;
using Chat.Domain.Applications;
using Chat.Domain.Data;
using Chat.Domain.Messaging;
using Chat.Domain.Pipeline;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Chat.Api.Applications;

/// <summary>
/// Applications are few and written rarely, so unlike chats and messages they are written to MySQL directly. Their
/// credentials (docs/decisions/0014): the secret is shown once, at creation or rotation, and stored only sealed.
/// </summary>
public static class ApplicationsApi
{
    public static IHostApplicationBuilder AddApplications(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSettings<ApplicationsOptions>(ApplicationsOptions.Section);
        return builder;
    }

    public static void MapApplications(this IEndpointRouteBuilder app)
    {
        var applications = app.MapGroup("/applications").WithTags("Applications");
        applications.MapPost("/", Create).RequireRateLimiting(RateLimitPolicies.PerClientAddress)
            .AddEndpointFilter(async (context, next) =>
                (context.HttpContext.RequestServices.GetRequiredService<IOptions<ApplicationsOptions>>().Value.RequireAdminKey
                    ? AdminKey.Refusal(context.HttpContext) : null) ?? await next(context))
            .WithName("CreateApplication").WithSummary("Create an application: its token, and its secret (shown only here)");
        applications.MapGet("/", List).RequireAdminKey().Produces<Page<ListedApplication>>().WithName("ListApplications")
            .WithSummary("List applications (admin key): no secrets, and only the start of each token");

        var application = app.MapApplicationGroup().WithTags("Applications").ForManagers();
        application.MapGet("/", Get).WithName("GetApplication");
        application.MapPatch("/", Update).Produces<ApplicationResponse>().WithName("UpdateApplication")
            .WithSummary("Rename; auth_mode and revoke_user_tokens_issued_before need the application secret");
        application.MapPut("/", Update).Produces<ApplicationResponse>().WithName("ReplaceApplication");
        application.MapDelete("/", Delete).WithName("DeleteApplication")
            .WithSummary("Delete an application; its chats, messages and search documents are purged by the worker");

        var credentials = app.MapApplicationGroup().WithTags("Applications").ForServer();
        credentials.MapPost("/secret/rotate", RotateSecret).WithName("RotateSecret")
            .WithSummary("A new secret; the previous one keeps working for Auth:SecretGracePeriod");
        credentials.MapPost("/token/rotate", RotateToken).WithName("RotateToken")
            .WithSummary("A new token; the previous one keeps working for grace_seconds (default 0)");
    }

    /// <summary>The services the handlers of an application share.</summary>
    private readonly record struct Services(ChatDbContext Db, ApplicationDirectory Directory, Versions Versions, SecretBox Secrets);

    private static async Task<Results<Created<ApplicationResponse>, ProblemHttpResult>> Create(ApplicationRequest request,
        [AsParameters] Services services, IOptions<AuthOptions> auth, [AsParameters] FeedWarmUp warmUp, CancellationToken ct)
    {
        var validation = new Validation();
        var name = validation.Text("name", request.Name, 1, Limits.MaxNameLength);
        var mode = Mode(validation, request.AuthMode) ?? auth.Value.DefaultMode;
        if (request.RevokeUserTokensIssuedBefore is not null) validation.Add("revoke_user_tokens_issued_before", "is set on an existing application only.");
        if (!validation.IsValid) return validation.Problem();

        var now = services.Versions.Now();
        var secret = SecretBox.NewSecret();
        var row = new ApplicationRow
        {
            Token = ApplicationToken.New(), Name = name!, CreatedAt = now, UpdatedAt = now, AuthMode = mode, SecretSealed = services.Secrets.Seal(secret),
        };
        services.Db.Applications.Add(row);
        await services.Db.SaveChangesAsync();
        await WarmFeedAsync(warmUp, row.Id, ct);
        return TypedResults.Created($"/applications/{row.Token}",
            new ApplicationResponse(row.Token, row.Name, 0, row.AuthMode, row.CreatedAt, row.UpdatedAt, Secret: secret));
    }

    /// <summary>
    /// Reserves the new application's first block of feed positions now, so a burst of first writes does not queue for
    /// it. Only a head start: if Redis or MySQL is away, the first write reserves it, and creating the application
    /// does not fail for it.
    /// </summary>
    private static async Task WarmFeedAsync(FeedWarmUp warmUp, long applicationId, CancellationToken ct)
    {
        try
        {
            await warmUp.Feed.ReserveAsync(applicationId, ct);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException or MySqlConnector.MySqlException)
        {
            warmUp.Loggers.CreateLogger(typeof(ApplicationsApi))
                .LogDebug("Feed positions of application {Application} not reserved ahead: {Reason}", applicationId, e.Message);
        }
    }

    private readonly record struct FeedWarmUp(FeedPositions Feed, ILoggerFactory Loggers);

    private static Ok<ApplicationResponse> Get(RequestContext request) => TypedResults.Ok(ApplicationResponse.Of(request.App));

    /// <summary>PATCH and PUT: any of the name, the mode and the revocation instant; the last two need the server role.</summary>
    private static async Task<IResult> Update(HttpContext http, RequestContext request, ApplicationRequest body, [AsParameters] Services services,
        IOptions<AuthOptions> auth)
    {
        var validation = new Validation();
        var credentials = body.AuthMode is not null || body.RevokeUserTokensIssuedBefore is not null;
        var name = validation.Text("name", body.Name, 1, Limits.MaxNameLength, required: !credentials);
        var mode = Mode(validation, body.AuthMode);
        var revoked = body.RevokeUserTokensIssuedBefore?.ToUniversalTime();
        if (revoked > services.Versions.Now() + auth.Value.ClockSkew) validation.Add("revoke_user_tokens_issued_before", "must not be in the future.");
        if (!validation.IsValid) return validation.Problem();
        if (credentials && request.Caller.Role != Role.Server)
            return CallerAuthentication.Unauthorized(http, "auth_mode and revoke_user_tokens_issued_before need the application secret.");

        if (await ChangeAsync(request.App, services, row =>
            {
                row.Name = name ?? row.Name;
                row.AuthMode = mode ?? row.AuthMode;
                row.UserTokensRevokedBefore = revoked ?? row.UserTokensRevokedBefore;
            }) is null)
            return TypedResults.NotFound();
        return await services.Directory.FindAsync(request.App.Token) is { } updated ? TypedResults.Ok(ApplicationResponse.Of(updated)) : TypedResults.NotFound();
    }

    private static async Task<Results<NoContent, NotFound>> Delete(RequestContext request, [AsParameters] Services services,
        CommandPublisher publisher, CancellationToken ct)
    {
        // The mark is durable at once and hides every chat and message; the worker's purge removes the rows later.
        if (await ChangeAsync(request.App, services, row => row.DeletedAt = row.UpdatedAt) is null) return TypedResults.NotFound();
        await publisher.PublishAsync(new ApplicationDeleted(Guid.NewGuid(), request.App.Id), ct);
        return TypedResults.NoContent();
    }

    private static async Task<Results<Ok<RotatedSecret>, NotFound>> RotateSecret(RequestContext request, [AsParameters] Services services,
        IOptions<AuthOptions> auth)
    {
        var secret = SecretBox.NewSecret();
        var sealedSecret = services.Secrets.Seal(secret);
        var changed = await ChangeAsync(request.App, services, row =>
        {
            row.PreviousSecretSealed = row.SecretSealed;
            row.PreviousSecretUntil = row.SecretSealed is null ? null : row.UpdatedAt + auth.Value.SecretGracePeriod;
            row.SecretSealed = sealedSecret;
        });
        return changed is null ? TypedResults.NotFound() : TypedResults.Ok(new RotatedSecret(secret));
    }

    private static async Task<Results<Ok<RotatedToken>, NotFound, ProblemHttpResult>> RotateToken(RequestContext request,
        TokenRotationRequest? body, [AsParameters] Services services)
    {
        var grace = TimeSpan.FromSeconds(body?.GraceSeconds ?? 0);
        if (grace < TimeSpan.Zero || grace > ApplicationsOptions.MaxTokenGrace)
            return new Validation().Add("grace_seconds", $"must be between 0 and {ApplicationsOptions.MaxTokenGrace.TotalSeconds:0}.").Problem();

        var token = ApplicationToken.New();
        var changed = await ChangeAsync(request.App, services, row =>
        {
            (row.PreviousToken, row.PreviousTokenUntil) = grace > TimeSpan.Zero ? (row.Token, row.UpdatedAt + grace) : ((string?)null, (DateTime?)null);
            row.Token = token;
        });
        return changed is null ? TypedResults.NotFound() : TypedResults.Ok(new RotatedToken(token, changed.PreviousTokenUntil));
    }

    /// <summary>
    /// Changes the live application's row under a row lock, with <see cref="ApplicationRow.UpdatedAt"/> already set to now, and
    /// then drops every cached copy of it: a change that keeps what it replaces (the previous secret, the previous token)
    /// keeps exactly that, even against a concurrent change. Null when the application is gone.
    /// </summary>
    private static async Task<ApplicationRow?> ChangeAsync(KnownApplication app, Services services, Action<ApplicationRow> change)
    {
        ApplicationRow? row;
        string?[] tokens;
        await using (var transaction = await services.Db.Database.BeginTransactionAsync())
        {
            row = await services.Db.Applications.FromSql($"SELECT * FROM applications WHERE id = {app.Id} AND deleted_at IS NULL FOR UPDATE")
                .AsTracking().SingleOrDefaultAsync();
            if (row is null) return null;
            tokens = [app.Token, row.Token, row.PreviousToken];
            row.UpdatedAt = services.Versions.Now();
            change(row);
            await services.Db.SaveChangesAsync();
            await transaction.CommitAsync();
        }
        await services.Directory.ForgetAsync([.. tokens, row.Token]);
        return row;
    }

    /// <summary>Operators see which applications exist: a sealed cursor pages, so neither tokens nor row ids appear.</summary>
    private static async Task<IResult> List(int? limit, string? after, ChatDbContext db, SecretBox box)
    {
        if (!ListQuery.TryLimit(limit, out var take, out var problem)) return problem!;
        var query = db.Applications.Where(a => a.DeletedAt == null);
        if (after is not null)
        {
            if (!box.TryOpen(after, SecretBox.Purpose.ListingCursor, out var opened) || !long.TryParse(opened, CultureInfo.InvariantCulture, out var afterId))
                return ListQuery.BadQuery("after", "after must be the cursor of a listing's next link.");
            query = query.Where(a => a.Id > afterId);
        }
        var page = await query.OrderBy(a => a.Id).Take(take + 1)
            .Select(a => new { a.Id, Listed = new ListedApplication(a.Token.Substring(0, TokenPrefixLength), a.Name, a.ChatsCount, a.AuthMode, a.CreatedAt, a.UpdatedAt) })
            .ToListAsync();
        var next = page.Count > take
            ? $"/applications?limit={take}&after={box.Seal(page[take - 1].Id.ToString(CultureInfo.InvariantCulture), SecretBox.Purpose.ListingCursor)}"
            : null;
        return TypedResults.Ok(new Page<ListedApplication>(page.Take(take).Select(p => p.Listed).ToList(), next));
    }

    /// <summary>Enough to recognise an application (48 of its 192 bits), far too little to use it.</summary>
    private const int TokenPrefixLength = 8;

    private static string? Mode(Validation validation, string? mode)
    {
        if (mode is not null && !AuthModes.All.Contains(mode)) validation.Add("auth_mode", $"must be one of {string.Join(", ", AuthModes.All)}.");
        return mode;
    }
}
