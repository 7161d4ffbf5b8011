using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chat.Domain.Data.Migrations
{
    /// <summary>
    /// The tables that grow with the messages follow <c>messages</c> (docs/decisions/0012): partitioned by
    /// <c>KEY(chat_id)</c> into the same 16 partitions, so a page's reactions, mentions and unread blocks are read from
    /// the one partition of its chat; the deliveries log by its application. Every primary key starts with that column,
    /// as partitioning requires.
    /// </summary>
    [DbContext(typeof(ChatDbContext))]
    [Migration("20261205131000_PartitionChatTables")]
    public partial class PartitionChatTables : Migration
    {
        private static readonly (string Table, string Column)[] Tables =
            [("message_blocks", "chat_id"), ("message_mentions", "chat_id"), ("message_reactions", "chat_id"), ("webhook_deliveries", "application_id")];

        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            foreach (var (table, column) in Tables) migrationBuilder.Sql($"ALTER TABLE {table} PARTITION BY KEY ({column}) PARTITIONS 16;");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            foreach (var (table, _) in Tables) migrationBuilder.Sql($"ALTER TABLE {table} REMOVE PARTITIONING;");
        }
    }
}
