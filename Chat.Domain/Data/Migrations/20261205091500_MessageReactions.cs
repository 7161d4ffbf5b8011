using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chat.Domain.Data.Migrations
{
    /// <summary>
    /// Reactions (docs/decisions/0017): one row per (message, user, reaction), removal kept as <c>removed_at</c> so a late
    /// older state cannot bring a removed reaction back. The primary key starts with (chat_id, number): a page's counts are
    /// one grouped range read. Raw SQL, written by the worker's upsert and read by raw SQL.
    /// </summary>
    [DbContext(typeof(ChatDbContext))]
    [Migration("20261205091500_MessageReactions")]
    public partial class MessageReactions : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("""
            CREATE TABLE message_reactions (
              chat_id BIGINT NOT NULL,
              number INT NOT NULL,
              user_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
              reaction VARCHAR(32) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
              updated_at DATETIME(6) NOT NULL,
              removed_at DATETIME(6) NULL,
              PRIMARY KEY (chat_id, number, user_id, reaction)
            )
            """);

        protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("DROP TABLE message_reactions");
    }
}
