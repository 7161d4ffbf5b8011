using Chat.Domain.Applications;
using Chat.Domain.Chats;
using Chat.Domain.Members;
using Chat.Domain.Messages;
using Chat.Domain.Numbers;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Chat.Domain.Data;

public sealed class ChatDbContext(DbContextOptions<ChatDbContext> options) : DbContext(options)
{
    public DbSet<ApplicationRow> Applications => Set<ApplicationRow>();
    public DbSet<ChatRow> Chats => Set<ChatRow>();
    public DbSet<MessageRow> Messages => Set<MessageRow>();
    public DbSet<ChatMemberRow> ChatMembers => Set<ChatMemberRow>();
    public DbSet<NumberBlockRow> NumberBlocks => Set<NumberBlockRow>();

    protected override void OnModelCreating(ModelBuilder model)
    {
        // utf8mb4_unicode_ci exists on MySQL 8 and MariaDB 10.11 alike and compares case-insensitively,
        // which the database search fallback relies on.
        model.HasCharSet("utf8mb4").UseCollation("utf8mb4_unicode_ci");
        model.ApplyConfigurationsFromAssembly(typeof(ChatDbContext).Assembly);
        UseSnakeCaseNames(model);
    }

    /// <summary>MySQL's datetime has no zone; every value we store is UTC, so every value read back says so.</summary>
    protected override void ConfigureConventions(ModelConfigurationBuilder conventions)
    {
        conventions.Properties<DateTime>().HaveConversion<UtcConverter>();
        conventions.Properties<DateTime?>().HaveConversion<UtcConverter>();
    }

    private sealed class UtcConverter() : ValueConverter<DateTime, DateTime>(
        v => v.Kind == DateTimeKind.Local ? v.ToUniversalTime() : v,
        v => DateTime.SpecifyKind(v, DateTimeKind.Utc));

    /// <summary>Columns and indexes are named like the SQL the worker writes by hand: <c>chats_count</c>, not <c>ChatsCount</c>.</summary>
    private static void UseSnakeCaseNames(ModelBuilder model)
    {
        foreach (var entity in model.Model.GetEntityTypes())
        {
            foreach (var property in entity.GetProperties())
                property.SetColumnName(SnakeCase(property.Name));
            foreach (var index in entity.GetIndexes())
                index.SetDatabaseName($"ix_{entity.GetTableName()}_{string.Join("_", index.Properties.Select(p => SnakeCase(p.Name)))}");
        }
    }

    private static string SnakeCase(string name) => JsonNamingPolicy.SnakeCaseLower.ConvertName(name);
}
