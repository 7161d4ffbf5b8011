using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;

namespace Chat.Domain.Numbers;

public sealed class NumberBlockRowConfiguration : IEntityTypeConfiguration<NumberBlockRow>
{
    public void Configure(EntityTypeBuilder<NumberBlockRow> block)
    {
        block.ToTable("number_blocks");
        block.HasKey(b => b.Scope);
        block.Property(b => b.Scope).HasMaxLength(64).HasCharSet("ascii").UseCollation("ascii_bin");
    }
}
