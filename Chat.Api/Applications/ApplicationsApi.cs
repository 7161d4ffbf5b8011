using Chat.Api.Admin;
using Chat.Api.Errors;
using Chat.Api.Paging;
using Chat.Domain.Applications;
using Chat.Domain.Data;
using Chat.Domain.Messaging;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Chat.Api.Applications;

/// <summary>
/// Applications are few and written rarely, so unlike chats and messages they are written to MySQL directly.
/// </summary>
public static class ApplicationsApi
{
    public const int MaxNameLength = 200;

    public static IHostApplicationBuilder AddApplications(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<ApplicationDirectory>();
        return builder;
    }

    public static void MapApplications(this IEndpointRouteBuilder app)
    {
        var applications = app.MapGroup("/applications").WithTags("Applications");
        applications.MapPost("/", Create).WithName("CreateApplication").WithSummary("Create an application and its token");
        applications.MapGet("/", List).RequireAdminKey().WithName("ListApplications").WithSummary("List applications (admin key)");
        applications.MapGet("/{token}", Get).WithName("GetApplication");
        applications.MapPatch("/{token}", Rename).WithName("UpdateApplication");
        applications.MapPut("/{token}", Rename).WithName("ReplaceApplication");
        applications.MapDelete("/{token}", Delete).WithName("DeleteApplication")
            .WithSummary("Delete an application; its chats, messages and search documents are purged by the worker");
    }

    private static async Task<Results<Created<ApplicationResponse>, ProblemHttpResult>> Create(ApplicationRequest request, ChatDbContext db)
    {
        var validation = new Validation();
        var name = validation.Text("name", request.Name, 1, MaxNameLength);
        if (!validation.IsValid) return validation.Problem();

        var now = UtcNow();
        var row = new ApplicationRow { Token = ApplicationToken.New(), Name = name!, CreatedAt = now, UpdatedAt = now };
        db.Applications.Add(row);
        await db.SaveChangesAsync();
        var response = new ApplicationResponse(row.Token, row.Name, 0, row.CreatedAt, row.UpdatedAt);
        return TypedResults.Created($"/applications/{row.Token}", response);
    }

    private static async Task<Results<Ok<ApplicationResponse>, NotFound>> Get(string token, ApplicationDirectory directory) =>
        await directory.FindAsync(token) is { } app ? TypedResults.Ok(app.ToResponse()) : TypedResults.NotFound();

    private static async Task<IResult> Rename(string token, ApplicationRequest request, ChatDbContext db, ApplicationDirectory directory)
    {
        if (await directory.FindAsync(token) is null) return TypedResults.NotFound();
        var validation = new Validation();
        var name = validation.Text("name", request.Name, 1, MaxNameLength);
        if (!validation.IsValid) return validation.Problem();

        var now = UtcNow();
        var changed = await db.Applications.Where(a => a.Token == token && a.DeletedAt == null)
            .ExecuteUpdateAsync(a => a.SetProperty(x => x.Name, name).SetProperty(x => x.UpdatedAt, now));
        await directory.ForgetAsync(token);
        if (changed == 0) return TypedResults.NotFound();
        return await directory.FindAsync(token) is { } app ? TypedResults.Ok(app.ToResponse()) : TypedResults.NotFound();
    }

    private static async Task<Results<NoContent, NotFound>> Delete(string token, ChatDbContext db, ApplicationDirectory directory,
        CommandPublisher publisher, CancellationToken ct)
    {
        if (await directory.FindAsync(token) is not { } app) return TypedResults.NotFound();
        var now = UtcNow();
        // The mark is durable at once and hides every chat and message; the worker's purge removes the rows later.
        var deleted = await db.Applications.Where(a => a.Token == token && a.DeletedAt == null)
            .ExecuteUpdateAsync(a => a.SetProperty(x => x.DeletedAt, now).SetProperty(x => x.UpdatedAt, now));
        await directory.ForgetAsync(token);
        if (deleted == 0) return TypedResults.NotFound();
        await publisher.PublishAsync(new ApplicationDeleted(Guid.NewGuid(), app.Id), ct);
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

    /// <summary>Microsecond precision, as stored in datetime(6), so what we answer equals what we read back.</summary>
    public static DateTime UtcNow()
    {
        var now = DateTime.UtcNow;
        return new DateTime(now.Ticks - now.Ticks % 10, DateTimeKind.Utc);
    }
}
