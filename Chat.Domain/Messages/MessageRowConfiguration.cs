using Chat.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Chat.Domain.Messages;

public sealed class MessageRowConfiguration : IEntityTypeConfiguration<MessageRow>
{
    /// <summary>
    /// <c>messages</c> is partitioned by <c>KEY(chat_id)</c> into this many partitions (migration PartitionMessages,
    /// docs/decisions/0012): a chat lives in one, so its history pages and lookups read one partition's B-tree.
    /// </summary>
    public const int Partitions = 16;

    public void Configure(EntityTypeBuilder<MessageRow> message)
    {
        message.ToTable("messages");
        // Clustered on (chat_id, number): a chat's history is contiguous on disk and every page is a range scan.
        // No foreign key and chat_id in every unique key: the table is partitioned by KEY(chat_id) (docs/decisions/0012).
        message.HasKey(m => new { m.ChatId, m.Number });
        message.Property(m => m.Body).HasMaxLength(Limits.MaxBodyLength).IsRequired().HasColumnType("text");
        message.Property(m => m.Sender).HasMaxLength(Limits.MaxUserIdLength).UseCollation("utf8mb4_bin");
        message.Property(m => m.SentAt).HasPrecision(6);
        message.Property(m => m.CreatedAt).HasPrecision(6);
        message.Property(m => m.UpdatedAt).HasPrecision(6);
        message.Property(m => m.DeletedAt).HasPrecision(6);
        // text, not json: MySQL would normalize a json column (key order, spaces), and metadata comes back as given.
        message.Property(m => m.Metadata).HasColumnType("text").UseCollation("utf8mb4_bin");
        message.Property(m => m.Mentions).HasColumnType("text").UseCollation("utf8mb4_bin");
        message.HasIndex(m => new { m.ChatId, m.CreatedAt });
        // The replies to a message, in number order, and their count.
        message.HasIndex(m => new { m.ChatId, m.ReplyTo, m.Number });
    }
}
