using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chat.Domain.Data.Migrations
{
    /// <summary><c>reply_to</c>: the message of the same chat a message replies to; indexed for the replies of a message and their count.</summary>
    public partial class MessageReplies : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "reply_to",
                table: "messages",
                type: "int",
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_messages_chat_id_reply_to_number",
                table: "messages",
                columns: new[] { "chat_id", "reply_to", "number" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_messages_chat_id_reply_to_number",
                table: "messages");

            migrationBuilder.DropColumn(
                name: "reply_to",
                table: "messages");
        }
    }
}
