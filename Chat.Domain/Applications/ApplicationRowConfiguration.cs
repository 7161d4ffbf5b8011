using Chat.Contracts;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Chat.Domain.Applications;

public sealed class ApplicationRowConfiguration : IEntityTypeConfiguration<ApplicationRow>
{
    /// <summary>Room for a sealed secret: a key id, a nonce, the secret and a tag, base64url (docs/decisions/0014).</summary>
    public const int SealedLength = 160;

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

        app.Property(a => a.AuthMode).HasMaxLength(16).IsRequired().HasCharSet("ascii").UseCollation("ascii_bin")
            .HasDefaultValue(AuthModes.Open);
        app.Property(a => a.SecretSealed).HasMaxLength(SealedLength).HasCharSet("ascii").UseCollation("ascii_bin");
        app.Property(a => a.PreviousSecretSealed).HasMaxLength(SealedLength).HasCharSet("ascii").UseCollation("ascii_bin");
        app.Property(a => a.PreviousSecretUntil).HasPrecision(6);
        app.Property(a => a.PreviousToken).HasMaxLength(ApplicationToken.Length).IsFixedLength()
            .HasCharSet("ascii").UseCollation("ascii_bin");
        // Looked up when a request names a token that is no longer the current one.
        app.HasIndex(a => a.PreviousToken).IsUnique();
        app.Property(a => a.PreviousTokenUntil).HasPrecision(6);
        app.Property(a => a.UserTokensRevokedBefore).HasPrecision(6);
    }
}
