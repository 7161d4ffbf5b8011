using Chat.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Chat.Domain.Members;

public sealed class ChatMemberRowConfiguration : IEntityTypeConfiguration<ChatMemberRow>
{
    public void Configure(EntityTypeBuilder<ChatMemberRow> member)
    {
        member.ToTable("chat_members");
        member.HasKey(m => new { m.ChatId, m.UserId });
        // User ids are opaque to us, so compared byte for byte.
        member.Property(m => m.UserId).HasMaxLength(Limits.MaxUserIdLength).IsRequired().UseCollation("utf8mb4_bin");
        member.Property(m => m.JoinedAt).HasPrecision(6);
        member.Property(m => m.UpdatedAt).HasPrecision(6);
        member.Property(m => m.LeftAt).HasPrecision(6);
        // "Which chats is this user in" without scanning every chat.
        member.HasIndex(m => m.UserId);
    }
}
