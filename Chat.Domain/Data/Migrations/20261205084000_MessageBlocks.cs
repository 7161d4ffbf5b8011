using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chat.Domain.Data.Migrations
{
    /// <summary>
    /// Live messages per block of <see cref="Messages.MessageBlocks.Size"/> (256) numbers of a chat, so an unread count is a
    /// sum of a few rows and one short range of one block, never a scan of the history (docs/decisions/0017). Raw SQL,
    /// kept by the worker in the transaction that writes the messages; filled here from the messages already stored.
    /// </summary>
    [DbContext(typeof(ChatDbContext))]
    [Migration("20261205084000_MessageBlocks")]
    public partial class MessageBlocks : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE message_blocks (
                  chat_id BIGINT NOT NULL,
                  block INT NOT NULL,
                  live INT NOT NULL,
                  PRIMARY KEY (chat_id, block)
                )
                """);
            migrationBuilder.Sql("""
                INSERT INTO message_blocks (chat_id, block, live)
                SELECT chat_id, number DIV 256, SUM(deleted_at IS NULL) FROM messages GROUP BY chat_id, number DIV 256
                """);
        }

        protected override void Down(MigrationBuilder migrationBuilder) => migrationBuilder.Sql("DROP TABLE message_blocks");
    }
}
