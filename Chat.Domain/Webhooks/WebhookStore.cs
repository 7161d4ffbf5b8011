using System.Security.Cryptography;
using MySqlConnector;

namespace Chat.Domain.Webhooks;

/// <summary>A registered webhook; <see cref="SealedSecret"/> opens with SecretBox (purpose WebhookSecret).</summary>
public sealed record WebhookRow(long ApplicationId, string Id, string Url, string[] Events, string SealedSecret, DateTime CreatedAt,
    DateTime? DisabledAt, string? DisabledReason);

/// <summary>A persisted feed entry, as a delivery carries it.</summary>
public sealed record FeedRow(long Seq, string Type, DateTime At, int ChatNumber, int? Number, string? User, System.Text.Json.JsonElement? State);

/// <summary>One line of a webhook's deliveries log.</summary>
public sealed record DeliveryRow(long Seq, string Type, string Status, int Attempts, int? LastStatus, string? LastError,
    DateTime FirstAttemptAt, DateTime LastAttemptAt, DateTime? NextAttemptAt);

/// <summary>Every statement about webhooks and their deliveries; each names the application (the sharding key, docs/vitess).</summary>
public sealed class WebhookStore(MySqlDataSource database)
{
    public static class Statuses
    {
        public const string Delivered = "delivered";
        public const string Retrying = "retrying";
        public const string Failed = "failed";
        public static readonly IReadOnlySet<string> All = new HashSet<string> { Delivered, Retrying, Failed };
    }

    /// <summary>A new public id: never an internal one.</summary>
    public static string NewId() => "wh_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(10));

    /// <summary>A Standard Webhooks signing secret: <c>whsec_</c> and the base64 of 32 random bytes.</summary>
    public static string NewSecret() => "whsec_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>Inserts the webhook unless the application has <paramref name="max"/> already: false then. The application row is locked meanwhile.</summary>
    public async Task<bool> TryCreateAsync(WebhookRow row, int max, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var transaction = await connection.BeginTransactionAsync(ct);
        await using (var lockApp = new MySqlCommand("SELECT id FROM applications WHERE id = @app FOR UPDATE", connection, transaction))
        {
            lockApp.Parameters.AddWithValue("@app", row.ApplicationId);
            await lockApp.ExecuteScalarAsync(ct);
        }
        await using (var count = new MySqlCommand("SELECT COUNT(*) FROM webhooks WHERE application_id = @app", connection, transaction))
        {
            count.Parameters.AddWithValue("@app", row.ApplicationId);
            if (Convert.ToInt64(await count.ExecuteScalarAsync(ct)) >= max) return false;
        }
        await using (var insert = new MySqlCommand("""
            INSERT INTO webhooks (application_id, id, url, events, sealed_secret, created_at) VALUES (@app, @id, @url, @events, @secret, @at)
            """, connection, transaction))
        {
            insert.Parameters.AddWithValue("@app", row.ApplicationId);
            insert.Parameters.AddWithValue("@id", row.Id);
            insert.Parameters.AddWithValue("@url", row.Url);
            insert.Parameters.AddWithValue("@events", WebhookEvents.Store(row.Events));
            insert.Parameters.AddWithValue("@secret", row.SealedSecret);
            insert.Parameters.AddWithValue("@at", row.CreatedAt);
            await insert.ExecuteNonQueryAsync(ct);
        }
        await transaction.CommitAsync(ct);
        return true;
    }

    public async Task<List<WebhookRow>> ListAsync(long applicationId, CancellationToken ct) =>
        await QueryAsync("SELECT * FROM webhooks WHERE application_id = @app ORDER BY created_at, id", ct, ("@app", applicationId));

    public async Task<WebhookRow?> FindAsync(long applicationId, string id, CancellationToken ct) =>
        (await QueryAsync("SELECT * FROM webhooks WHERE application_id = @app AND id = @id", ct, ("@app", applicationId), ("@id", id)))
        .SingleOrDefault();

    /// <summary>The webhooks that still receive, of every application named: one query for a whole committed batch.</summary>
    public async Task<List<WebhookRow>> ActiveOfAsync(IReadOnlyCollection<long> applicationIds, CancellationToken ct)
    {
        if (applicationIds.Count == 0) return [];
        return await QueryAsync($"SELECT * FROM webhooks WHERE application_id IN ({string.Join(',', applicationIds)}) AND disabled_at IS NULL", ct);
    }

    /// <summary>Deletes the webhook and its deliveries log; false when it did not exist.</summary>
    public async Task<bool> DeleteAsync(long applicationId, string id, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        var deleted = await ExecuteAsync(connection, "DELETE FROM webhooks WHERE application_id = @app AND id = @id", ct, ("@app", applicationId), ("@id", id));
        // In chunks: a log may be long, and one huge delete would hold its locks for long.
        while (await ExecuteAsync(connection, "DELETE FROM webhook_deliveries WHERE application_id = @app AND webhook_id = @id LIMIT 5000", ct,
                   ("@app", applicationId), ("@id", id)) > 0) { }
        return deleted > 0;
    }

    public async Task DisableAsync(long applicationId, string id, string reason, DateTime at, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await ExecuteAsync(connection, """
            UPDATE webhooks SET disabled_at = @at, disabled_reason = @reason WHERE application_id = @app AND id = @id AND disabled_at IS NULL
            """, ct, ("@app", applicationId), ("@id", id), ("@at", at), ("@reason", reason));
    }

    /// <summary>Records attempts, many in one statement. A delivered event stays delivered (a late duplicate failure does not undo it).</summary>
    public async Task RecordAsync(IReadOnlyList<(long App, string Webhook, DeliveryRow Row)> attempts, CancellationToken ct)
    {
        if (attempts.Count == 0) return;
        await using var connection = await database.OpenConnectionAsync(ct);
        await new Data.Sql(connection, null).UpsertAsync("""
            INSERT INTO webhook_deliveries (application_id, webhook_id, seq, type, status, attempts, last_status, last_error,
              first_attempt_at, last_attempt_at, next_attempt_at)
            """,
            attempts.Select(a => new object?[]
            {
                a.App, a.Webhook, a.Row.Seq, a.Row.Type, a.Row.Status, a.Row.Attempts, a.Row.LastStatus, a.Row.LastError,
                a.Row.FirstAttemptAt, a.Row.LastAttemptAt, a.Row.NextAttemptAt,
            }),
            """
            attempts = GREATEST(attempts, VALUES(attempts)),
            last_status = IF(status = 'delivered' AND VALUES(status) <> 'delivered', last_status, VALUES(last_status)),
            last_error = IF(status = 'delivered' AND VALUES(status) <> 'delivered', last_error, VALUES(last_error)),
            last_attempt_at = GREATEST(last_attempt_at, VALUES(last_attempt_at)),
            next_attempt_at = IF(status = 'delivered' AND VALUES(status) <> 'delivered', next_attempt_at, VALUES(next_attempt_at)),
            status = IF(status = 'delivered' AND VALUES(status) <> 'delivered', status, VALUES(status))
            """, ct);
    }

    /// <summary>A page of the deliveries log after a position, optionally of one status.</summary>
    public async Task<List<DeliveryRow>> DeliveriesAsync(long applicationId, string webhook, string? status, long after, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = new MySqlCommand($"""
            SELECT seq, type, status, attempts, last_status, last_error, first_attempt_at, last_attempt_at, next_attempt_at
            FROM webhook_deliveries WHERE application_id = @app AND webhook_id = @id {(status is null ? "" : "AND status = @status")} AND seq > @after
            ORDER BY seq LIMIT @take
            """, connection);
        command.Parameters.AddWithValue("@app", applicationId);
        command.Parameters.AddWithValue("@id", webhook);
        command.Parameters.AddWithValue("@status", status);
        command.Parameters.AddWithValue("@after", after);
        command.Parameters.AddWithValue("@take", limit);
        var rows = new List<DeliveryRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new DeliveryRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                Utc(reader.GetDateTime(6)), Utc(reader.GetDateTime(7)), reader.IsDBNull(8) ? null : Utc(reader.GetDateTime(8))));
        return rows;
    }

    /// <summary>The last position persisted in the application's feed: where a replay stops.</summary>
    public async Task<long> LastFeedPositionAsync(long applicationId, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = new MySqlCommand("SELECT COALESCE(MAX(seq), 0) FROM feed WHERE application_id = @app", connection);
        command.Parameters.AddWithValue("@app", applicationId);
        return Convert.ToInt64(await command.ExecuteScalarAsync(ct));
    }

    /// <summary>The persisted entries at these positions (voids left out): what a committed batch announced.</summary>
    public Task<List<FeedRow>> FeedRowsAsync(long applicationId, IReadOnlyCollection<long> seqs, CancellationToken ct) =>
        FeedAsync($"application_id = @app AND seq IN ({string.Join(',', seqs)})", applicationId, 0, 0, seqs.Count, ct);

    /// <summary>Up to <paramref name="limit"/> persisted entries after one position and up to another, in order: a page of a replay.</summary>
    public Task<List<FeedRow>> FeedRangeAsync(long applicationId, long after, long until, int limit, CancellationToken ct) =>
        FeedAsync("application_id = @app AND seq > @after AND seq <= @until", applicationId, after, until, limit, ct);

    private async Task<List<FeedRow>> FeedAsync(string where, long applicationId, long after, long until, int limit, CancellationToken ct)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = new MySqlCommand(
            $"SELECT seq, at, type, chat_number, number, user_id, state FROM feed WHERE {where} ORDER BY seq LIMIT @take", connection);
        command.Parameters.AddWithValue("@app", applicationId);
        command.Parameters.AddWithValue("@after", after);
        command.Parameters.AddWithValue("@until", until);
        command.Parameters.AddWithValue("@take", Math.Max(1, limit));
        var rows = new List<FeedRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            var type = reader.GetString(2);
            // A void is a position whose change never happened (docs/decisions/0015): nothing to deliver.
            if (type == "void") continue;
            rows.Add(new FeedRow(reader.GetInt64(0), type, Utc(reader.GetDateTime(1)), reader.GetInt32(3),
                reader.IsDBNull(4) ? null : reader.GetInt32(4), reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.IsDBNull(6) ? null : System.Text.Json.JsonDocument.Parse(reader.GetString(6)).RootElement));
        }
        return rows;
    }

    /// <summary>The applications' tokens: the <c>application</c> of a payload (the public name, never the internal id).</summary>
    public async Task<Dictionary<long, string>> TokensAsync(IReadOnlyCollection<long> applicationIds, CancellationToken ct)
    {
        var tokens = new Dictionary<long, string>();
        if (applicationIds.Count == 0) return tokens;
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = new MySqlCommand($"SELECT id, token FROM applications WHERE id IN ({string.Join(',', applicationIds)})", connection);
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct)) tokens[reader.GetInt64(0)] = reader.GetString(1);
        return tokens;
    }

    private async Task<List<WebhookRow>> QueryAsync(string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var connection = await database.OpenConnectionAsync(ct);
        await using var command = new MySqlCommand(sql.Replace("SELECT *", "SELECT application_id, id, url, events, sealed_secret, created_at, disabled_at, disabled_reason"), connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        var rows = new List<WebhookRow>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            rows.Add(new WebhookRow(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), WebhookEvents.Read(reader.GetString(3)),
                reader.GetString(4), Utc(reader.GetDateTime(5)), reader.IsDBNull(6) ? null : Utc(reader.GetDateTime(6)),
                reader.IsDBNull(7) ? null : reader.GetString(7)));
        return rows;
    }

    private static async Task<int> ExecuteAsync(MySqlConnection connection, string sql, CancellationToken ct, params (string Name, object Value)[] parameters)
    {
        await using var command = new MySqlCommand(sql, connection);
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return await command.ExecuteNonQueryAsync(ct);
    }

    private static DateTime Utc(DateTime stored) => DateTime.SpecifyKind(stored, DateTimeKind.Utc);
}
