using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace Chat.Domain.Data.Migrations
{
    /// <summary>
    /// The change feed (docs/decisions/0015): one row per position of an application's feed, partitioned by day so that
    /// retention drops whole partitions (the worker's FeedRetention keeps a week of daily partitions ahead); the epochs
    /// that started when Redis lost its data; and, per application, the last position retention dropped. Raw SQL: EF has
    /// no model of partitions, and only raw SQL reads and writes these tables. Valid on MySQL 8 and MariaDB 10.11.
    /// </summary>
    public partial class Feed : Migration
    {
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // Every unique key of a partitioned table must include the partitioning column, hence `at` in the primary key;
            // a position is unique per application by construction (accept.lua), and `at` never changes for it.
            migrationBuilder.Sql("""
                CREATE TABLE feed (
                  application_id BIGINT NOT NULL,
                  seq BIGINT NOT NULL,
                  at DATETIME(6) NOT NULL,
                  type VARCHAR(32) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
                  chat_number INT NOT NULL,
                  number INT NULL,
                  user_id VARCHAR(64) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
                  state LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NULL,
                  updated_at DATETIME(6) NOT NULL,
                  PRIMARY KEY (application_id, seq, at),
                  KEY ix_feed_subject (application_id, chat_number, number, seq)
                ) PARTITION BY RANGE (TO_DAYS(at)) (PARTITION p_future VALUES LESS THAN MAXVALUE)
                """);
            migrationBuilder.Sql("""
                CREATE TABLE feed_epochs (
                  application_id BIGINT NOT NULL,
                  first_seq BIGINT NOT NULL,
                  started_at DATETIME(6) NOT NULL,
                  PRIMARY KEY (application_id, first_seq)
                )
                """);
            migrationBuilder.Sql("""
                CREATE TABLE feed_retention (
                  application_id BIGINT NOT NULL PRIMARY KEY,
                  dropped_up_to BIGINT NOT NULL,
                  dropped_at DATETIME(6) NOT NULL
                )
                """);
        }

        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP TABLE feed_retention");
            migrationBuilder.Sql("DROP TABLE feed_epochs");
            migrationBuilder.Sql("DROP TABLE feed");
        }
    }
}
