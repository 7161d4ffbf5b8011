using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chat.Domain.Data.Migrations
{
    /// <summary>
    /// <c>messages</c> partitioned by <c>KEY(chat_id)</c> into <see cref="Messages.MessageRowConfiguration.Partitions"/> (16)
    /// partitions (docs/decisions/0012). The same statement on MySQL 8 and MariaDB 10.11; the count is written out, not
    /// read from the constant, so that changing the constant needs a migration of its own (a test compares the two).
    /// </summary>
    [DbContext(typeof(ChatDbContext))]
    [Migration("20261204163000_PartitionMessages")]
    public partial class PartitionMessages : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql("ALTER TABLE messages PARTITION BY KEY (chat_id) PARTITIONS 16;");

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder) =>
            migrationBuilder.Sql("ALTER TABLE messages REMOVE PARTITIONING;");
    }
}
