using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chat.Domain.Data.Migrations
{
    /// <summary>
    /// <c>metadata</c> of messages and chats (text: returned as given, never normalized by a json column), the mentions of a
    /// message, and <c>message_mentions</c>, who each message mentions keyed per member (unread mentions, docs/decisions/0017).
    /// </summary>
    public partial class MessageMetadataMentions : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "mentions",
                table: "messages",
                type: "text",
                nullable: true,
                collation: "utf8mb4_bin")
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.AddColumn<string>(
                name: "metadata",
                table: "messages",
                type: "text",
                nullable: true,
                collation: "utf8mb4_bin")
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.AddColumn<string>(
                name: "metadata",
                table: "chats",
                type: "text",
                nullable: true,
                collation: "utf8mb4_bin")
                .Annotation("MySql:CharSet", "utf8mb4");

            migrationBuilder.Sql("""
                CREATE TABLE message_mentions (
                  chat_id BIGINT NOT NULL,
                  user_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
                  number INT NOT NULL,
                  PRIMARY KEY (chat_id, user_id, number)
                )
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE message_mentions");

            migrationBuilder.DropColumn(
                name: "mentions",
                table: "messages");

            migrationBuilder.DropColumn(
                name: "metadata",
                table: "messages");

            migrationBuilder.DropColumn(
                name: "metadata",
                table: "chats");
        }
    }
}
