using Chat.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Chat.Domain.Applications;

public sealed class ApplicationRowConfiguration : IEntityTypeConfiguration<ApplicationRow>
{
    public void Configure(EntityTypeBuilder<ApplicationRow> app)
    {
        app.ToTable("applications");
        app.HasKey(a => a.Id);
        // Tokens are case-sensitive: a binary collation, or "abc" would find "ABC".
        app.Property(a => a.Token).HasMaxLength(ApplicationToken.Length).IsFixedLength().IsRequired()
            .HasCharSet("ascii").UseCollation("ascii_bin");
        app.HasIndex(a => a.Token).IsUnique();
        app.Property(a => a.Name).HasMaxLength(200).IsRequired();
        app.Property(a => a.CreatedAt).HasPrecision(6);
        app.Property(a => a.UpdatedAt).HasPrecision(6);
        app.Property(a => a.DeletedAt).HasPrecision(6);
    }
}
