using Chat.Api.Shared;
using Chat.Contracts;
using Chat.Domain.Applications;
using Chat.Domain.Data;
using Chat.Domain.Messaging;
using Chat.Domain.Pipeline;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Chat.Api.Applications;

/// <summary>
/// Applications are few and written rarely, so unlike chats and messages they are written to MySQL directly.
/// </summary>
public static class ApplicationsApi
{
    public static void MapApplications(this IEndpointRouteBuilder app)
    {
        var applications = app.MapGroup("/applications").WithTags("Applications");
        applications.MapPost("/", Create).WithName("CreateApplication").WithSummary("Create an application and its token");
        applications.MapGet("/", List).RequireAdminKey().WithName("ListApplications").WithSummary("List applications (admin key)");

        var application = app.MapApplicationGroup().WithTags("Applications");
        application.MapGet("/", Get).WithName("GetApplication");
        application.MapPatch("/", Rename).WithName("UpdateApplication");
        application.MapPut("/", Rename).WithName("ReplaceApplication");
        application.MapDelete("/", Delete).WithName("DeleteApplication")
            .WithSummary("Delete an application; its chats, messages and search documents are purged by the worker");
    }

    /// <summary>The services the handlers of an application share.</summary>
    private readonly record struct Services(ChatDbContext Db, ApplicationDirectory Directory, Versions Versions);

    private static async Task<Results<Created<ApplicationResponse>, ProblemHttpResult>> Create(ApplicationRequest request,
        [AsParameters] Services services, FeedPositions feed, ILoggerFactory loggers, CancellationToken ct)
    {
        var validation = new Validation();
        var name = validation.Text("name", request.Name, 1, Limits.MaxNameLength);
        if (!validation.IsValid) return validation.Problem();

        var now = services.Versions.Now();
        var row = new ApplicationRow { Token = ApplicationToken.New(), Name = name!, CreatedAt = now, UpdatedAt = now };
        services.Db.Applications.Add(row);
        await services.Db.SaveChangesAsync();
        await WarmFeedAsync(feed, row.Id, loggers.CreateLogger(typeof(ApplicationsApi)), ct);
        return TypedResults.Created($"/applications/{row.Token}", new ApplicationResponse(row.Token, row.Name, 0, row.CreatedAt, row.UpdatedAt));
    }

    /// <summary>
    /// Reserves the new application's first block of feed positions now, so a burst of first writes does not queue for
    /// it. Only a head start: if Redis or MySQL is away, the first write reserves it, and creating the application
    /// does not fail for it.
    /// </summary>
    private static async Task WarmFeedAsync(FeedPositions feed, long applicationId, ILogger log, CancellationToken ct)
    {
        try
        {
            await feed.ReserveAsync(applicationId, ct);
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException or MySqlConnector.MySqlException)
        {
            log.LogDebug("Feed positions of application {Application} not reserved ahead: {Reason}", applicationId, e.Message);
        }
    }

    private static Ok<ApplicationResponse> Get(RequestContext request) => TypedResults.Ok(ApplicationResponse.Of(request.App));

    private static async Task<Results<Ok<ApplicationResponse>, NotFound, ProblemHttpResult>> Rename(RequestContext request,
        ApplicationRequest body, [AsParameters] Services services)
    {
        var validation = new Validation();
        var name = validation.Text("name", body.Name, 1, Limits.MaxNameLength);
        if (!validation.IsValid) return validation.Problem();

        var (token, now) = (request.App.Token, services.Versions.Now());
        var changed = await services.Db.Applications.Where(a => a.Token == token && a.DeletedAt == null)
            .ExecuteUpdateAsync(a => a.SetProperty(x => x.Name, name).SetProperty(x => x.UpdatedAt, now));
        await services.Directory.ForgetAsync(token);
        if (changed == 0) return TypedResults.NotFound();
        return await services.Directory.FindAsync(token) is { } app ? TypedResults.Ok(ApplicationResponse.Of(app)) : TypedResults.NotFound();
    }

    private static async Task<Results<NoContent, NotFound>> Delete(RequestContext request, [AsParameters] Services services,
        CommandPublisher publisher, CancellationToken ct)
    {
        var (token, now) = (request.App.Token, services.Versions.Now());
        // The mark is durable at once and hides every chat and message; the worker's purge removes the rows later.
        var deleted = await services.Db.Applications.Where(a => a.Token == token && a.DeletedAt == null)
            .ExecuteUpdateAsync(a => a.SetProperty(x => x.DeletedAt, now).SetProperty(x => x.UpdatedAt, now));
        await services.Directory.ForgetAsync(token);
        if (deleted == 0) return TypedResults.NotFound();
        await publisher.PublishAsync(new ApplicationDeleted(Guid.NewGuid(), request.App.Id), ct);
        return TypedResults.NoContent();
    }

    private static async Task<IResult> List(int? limit, string? after, ChatDbContext db)
    {
        if (!ListQuery.TryLimit(limit, out var take, out var problem)) return problem!;
        var query = db.Applications.Where(a => a.DeletedAt == null);
        if (after is not null)
        {
            if (!ApplicationToken.IsWellFormed(after)) return ListQuery.BadQuery("after", "after must be the token of a listed application.");
            var afterId = await db.Applications.Where(a => a.Token == after).Select(a => (long?)a.Id).SingleOrDefaultAsync();
            if (afterId is null) return ListQuery.BadQuery("after", "after must be the token of a listed application.");
            query = query.Where(a => a.Id > afterId);
        }
        var page = await query.OrderBy(a => a.Id).Take(take + 1)
            .Select(a => new ApplicationResponse(a.Token, a.Name, a.ChatsCount, a.CreatedAt, a.UpdatedAt))
            .ToListAsync();
        var next = page.Count > take ? $"/applications?limit={take}&after={page[take - 1].Token}" : null;
        return TypedResults.Ok(new Page<ApplicationResponse>(page.Take(take).ToList(), next));
    }
}
