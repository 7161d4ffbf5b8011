using Chat.Domain.Applications;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Chat.Domain.Chats;

public sealed class ChatRowConfiguration : IEntityTypeConfiguration<ChatRow>
{
    public void Configure(EntityTypeBuilder<ChatRow> chat)
    {
        chat.ToTable("chats");
        chat.HasKey(c => c.Id);
        chat.HasIndex(c => new { c.ApplicationId, c.Number }).IsUnique();
        chat.HasOne<ApplicationRow>().WithMany().HasForeignKey(c => c.ApplicationId).OnDelete(DeleteBehavior.Cascade);
        chat.Property(c => c.Name).HasMaxLength(200);
        chat.Property(c => c.Metadata).HasColumnType("text").UseCollation("utf8mb4_bin");
        chat.Property(c => c.DistinctKey).HasMaxLength(64).IsFixedLength().HasCharSet("ascii").UseCollation("ascii_bin");
        chat.HasIndex(c => new { c.ApplicationId, c.DistinctKey });
        chat.Property(c => c.CreatedAt).HasPrecision(6);
        chat.Property(c => c.UpdatedAt).HasPrecision(6);
        chat.Property(c => c.DeletedAt).HasPrecision(6);
        // Lets the count job and the purge find what changed without a full scan.
        chat.HasIndex(c => new { c.ApplicationId, c.DeletedAt });
    }
}
