using Chat.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Chat.Domain.Messages;

public sealed class MessageRowConfiguration : IEntityTypeConfiguration<MessageRow>
{
    public void Configure(EntityTypeBuilder<MessageRow> message)
    {
        message.ToTable("messages");
        // Clustered on (chat_id, number): a chat's history is contiguous on disk and every page is a
        // range scan. No foreign key, so the table can be partitioned by KEY(chat_id) (docs/decisions/0001).
        message.HasKey(m => new { m.ChatId, m.Number });
        message.Property(m => m.Body).HasMaxLength(Limits.MaxBodyLength).IsRequired().HasColumnType("text");
        message.Property(m => m.Sender).HasMaxLength(Limits.MaxUserIdLength).UseCollation("utf8mb4_bin");
        message.Property(m => m.SentAt).HasPrecision(6);
        message.Property(m => m.CreatedAt).HasPrecision(6);
        message.Property(m => m.UpdatedAt).HasPrecision(6);
        message.Property(m => m.DeletedAt).HasPrecision(6);
        message.HasIndex(m => new { m.ChatId, m.CreatedAt });
    }
}
