using Chat.Api.Shared;
using Chat.Api.Shared.Identity;
using Chat.Contracts;
using Chat.Domain.Pipeline;
using Microsoft.AspNetCore.Http.HttpResults;
using MySqlConnector;

namespace Chat.Api.Messages;

/// <summary>
/// Reactions, a kind of write of their own through the pipeline (docs/decisions/0010, 0017): one state per (message, user,
/// reaction); adding one the user already has, or removing one they do not have, changes nothing and records nothing.
/// </summary>
public static class ReactionsApi
{
    public static void MapReactions(this IEndpointRouteBuilder app)
    {
        var reactions = app.MapChatGroup("/messages/{number:int}/reactions").WithTags("Messages");
        reactions.MapPut("/{reaction}", Add).WithName("AddReaction").WithSummary("React to a message (once per user and reaction)");
        reactions.MapDelete("/{reaction}", Remove).WithName("RemoveReaction").WithSummary("Take a reaction back");
    }

    private readonly record struct Services(MessageReader Reader, PendingStore Pending, MySqlDataSource Database, Acceptance Acceptance,
        Versions Versions, MessageDetails Details, Rosters Rosters, IChatEvents Events);

    private static Task<Results<Ok<MessageResponse>, NotFound, ProblemHttpResult>> Add(RequestContext request, int number, string reaction, string? user, [AsParameters] Services services,
        CancellationToken ct) => ChangeAsync(request, number, reaction, user, add: true, services, ct);

    private static Task<Results<Ok<MessageResponse>, NotFound, ProblemHttpResult>> Remove(RequestContext request, int number, string reaction, string? user, [AsParameters] Services services,
        CancellationToken ct) => ChangeAsync(request, number, reaction, user, add: false, services, ct);

    private static async Task<Results<Ok<MessageResponse>, NotFound, ProblemHttpResult>> ChangeAsync(RequestContext request, int number, string reaction, string? user, bool add,
        Services services, CancellationToken ct)
    {
        var validation = new Validation();
        // A user token reacts as its own user; the server role (or open mode) names the user.
        var named = validation.Text("user", user, 1, Limits.MaxUserIdLength, required: !request.Caller.IsUser);
        if (reaction.Length is < 1 or > Limits.MaxReactionLength || string.IsNullOrWhiteSpace(reaction))
            validation.Add("reaction", $"must be 1 to {Limits.MaxReactionLength} characters.");
        if (!validation.IsValid) return validation.Problem();
        if (!request.TryActFor(named, out var reacting)) return Access.Forbidden("A user token reacts only as its own user.");
        if (await services.Reader.FindAsync(request.App, request.Chat, number) is not { } message) return TypedResults.NotFound();

        var scope = Kinds.ChatScope(request.Chat.State);
        var key = new ReactionState(number, reacting!, reaction, default, null);
        // Pending first: a state leaves Redis only after its row is committed.
        var current = await services.Pending.GetAsync(Kinds.Reaction, scope, Kinds.Reaction.FieldOf(key))
                      ?? await PersistedAsync(services.Database, request, key, ct);
        var active = current is not null && !Kinds.Reaction.Hides(current);
        if (active != add)
        {
            var now = current is null ? services.Versions.Now() : services.Versions.After(current.UpdatedAt);
            var state = key with { UpdatedAt = now, RemovedAt = add ? null : now };
            var accepted = (await services.Acceptance.AcceptAsync([Kinds.Reaction.Write(scope, state, basedOn: current)], ct)).Single();
            if (accepted.Seq > 0)
            {
                var counts = (await services.Details.OfAsync(request.App, request.Chat, number, Caller.Server, ct)).Reactions;
                await services.Events.ReactionChangedAsync(request.App.Id, request.ChatNumber, accepted.Seq,
                    new ReactionResponse(number, reacting!, reaction, add, counts));
            }
        }
        var details = await services.Details.OfAsync(request.App, request.Chat, number, request.Caller, ct);
        return TypedResults.Ok(message.ToResponse(await services.Rosters.StatusOfAsync(message), details));
    }

    /// <summary>The persisted state of one (message, user, reaction), or null.</summary>
    private static async Task<ReactionState?> PersistedAsync(MySqlDataSource database, RequestContext request, ReactionState key, CancellationToken ct)
    {
        if (request.Chat.RowId is not { } rowId) return null;
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = new MySqlCommand("""
            SELECT updated_at, removed_at FROM message_reactions WHERE chat_id = @chat AND number = @number AND user_id = @user AND reaction = @reaction
            """, connection);
        command.Parameters.AddWithValue("@chat", rowId);
        command.Parameters.AddWithValue("@number", key.Number);
        command.Parameters.AddWithValue("@user", key.UserId);
        command.Parameters.AddWithValue("@reaction", key.Reaction);
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct)) return null;
        return key with
        {
            UpdatedAt = DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc),
            RemovedAt = reader.IsDBNull(1) ? null : DateTime.SpecifyKind(reader.GetDateTime(1), DateTimeKind.Utc),
        };
    }
}
