using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chat.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class MembersLeftAt : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "left_at",
                table: "chat_members",
                type: "datetime(6)",
                precision: 6,
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "left_at",
                table: "chat_members");
        }
    }
}
