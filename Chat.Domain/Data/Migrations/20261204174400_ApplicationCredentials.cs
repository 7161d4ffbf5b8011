using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chat.Domain.Data.Migrations
{
    /// <inheritdoc />
    public partial class ApplicationCredentials : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "auth_mode",
                table: "applications",
                type: "varchar(16)",
                maxLength: 16,
                nullable: false,
                defaultValue: "open",
                collation: "ascii_bin")
                .Annotation("MySql:CharSet", "ascii");

            migrationBuilder.AddColumn<string>(
                name: "previous_secret_sealed",
                table: "applications",
                type: "varchar(160)",
                maxLength: 160,
                nullable: true,
                collation: "ascii_bin")
                .Annotation("MySql:CharSet", "ascii");

            migrationBuilder.AddColumn<DateTime>(
                name: "previous_secret_until",
                table: "applications",
                type: "datetime(6)",
                precision: 6,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "previous_token",
                table: "applications",
                type: "char(32)",
                fixedLength: true,
                maxLength: 32,
                nullable: true,
                collation: "ascii_bin")
                .Annotation("MySql:CharSet", "ascii");

            migrationBuilder.AddColumn<DateTime>(
                name: "previous_token_until",
                table: "applications",
                type: "datetime(6)",
                precision: 6,
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "secret_sealed",
                table: "applications",
                type: "varchar(160)",
                maxLength: 160,
                nullable: true,
                collation: "ascii_bin")
                .Annotation("MySql:CharSet", "ascii");

            migrationBuilder.AddColumn<DateTime>(
                name: "user_tokens_revoked_before",
                table: "applications",
                type: "datetime(6)",
                precision: 6,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "ix_applications_previous_token",
                table: "applications",
                column: "previous_token",
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "ix_applications_previous_token",
                table: "applications");

            migrationBuilder.DropColumn(
                name: "auth_mode",
                table: "applications");

            migrationBuilder.DropColumn(
                name: "previous_secret_sealed",
                table: "applications");

            migrationBuilder.DropColumn(
                name: "previous_secret_until",
                table: "applications");

            migrationBuilder.DropColumn(
                name: "previous_token",
                table: "applications");

            migrationBuilder.DropColumn(
                name: "previous_token_until",
                table: "applications");

            migrationBuilder.DropColumn(
                name: "secret_sealed",
                table: "applications");

            migrationBuilder.DropColumn(
                name: "user_tokens_revoked_before",
                table: "applications");
        }
    }
}
