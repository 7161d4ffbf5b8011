using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chat.Domain.Data.Migrations
{
    /// <summary>
    /// Webhooks (docs/decisions/0016): the registrations, keyed by application and their public id (no internal id to
    /// leak), with the signing secret sealed; and the deliveries log, one row per event and webhook, updated at each
    /// attempt. Raw SQL, read and written only by raw SQL, like the feed.
    /// </summary>
    [DbContext(typeof(ChatDbContext))]
    [Migration("20261205031500_Webhooks")]
    public partial class Webhooks : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("""
                CREATE TABLE webhooks (
                  application_id BIGINT NOT NULL,
                  id VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
                  url VARCHAR(2048) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
                  events VARCHAR(512) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
                  sealed_secret VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
                  created_at DATETIME(6) NOT NULL,
                  disabled_at DATETIME(6) NULL,
                  disabled_reason VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
                  PRIMARY KEY (application_id, id)
                )
                """);
            migrationBuilder.Sql("""
                CREATE TABLE webhook_deliveries (
                  application_id BIGINT NOT NULL,
                  webhook_id VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
                  seq BIGINT NOT NULL,
                  type VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
                  status VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
                  attempts INT NOT NULL,
                  last_status INT NULL,
                  last_error VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
                  first_attempt_at DATETIME(6) NOT NULL,
                  last_attempt_at DATETIME(6) NOT NULL,
                  next_attempt_at DATETIME(6) NULL,
                  PRIMARY KEY (application_id, webhook_id, seq),
                  KEY ix_webhook_deliveries_status (application_id, webhook_id, status, seq)
                )
                """);
        }

        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE webhook_deliveries");
            migrationBuilder.Sql("DROP TABLE webhooks");
        }
    }
}
