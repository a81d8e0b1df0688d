using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace SweetsStore.Data.Migrations
{
    /// <inheritdoc />
    public partial class HangfireReplacesJobs : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropForeignKey(
                name: "fk_imports_jobs",
                table: "imports");

            migrationBuilder.DropTable(
                name: "jobs");

            migrationBuilder.DropIndex(
                name: "ix_imports_job_id",
                table: "imports");

            migrationBuilder.AlterColumn<string>(
                name: "job_id",
                table: "imports",
                type: "text",
                nullable: true,
                oldClrType: typeof(long),
                oldType: "bigint",
                oldNullable: true);

            // The old queue's job ids mean nothing to Hangfire: an import still queued or running is left without a job,
            // and the orphan sweep (a recurring Hangfire job) enqueues it. docs/decisions/0011.
            migrationBuilder.Sql("UPDATE imports SET job_id = NULL");

            migrationBuilder.AddColumn<Guid>(
                name: "run_token",
                table: "imports",
                type: "uuid",
                nullable: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "run_token",
                table: "imports");

            migrationBuilder.Sql("UPDATE imports SET job_id = NULL");

            migrationBuilder.AlterColumn<long>(
                name: "job_id",
                table: "imports",
                type: "bigint",
                nullable: true,
                oldClrType: typeof(string),
                oldType: "text",
                oldNullable: true);

            migrationBuilder.CreateTable(
                name: "jobs",
                columns: table => new
                {
                    job_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    argument = table.Column<long>(type: "bigint", nullable: false),
                    attempts = table.Column<int>(type: "integer", nullable: false),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    finished_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    kind = table.Column<string>(type: "text", nullable: false),
                    last_error = table.Column<string>(type: "text", nullable: true),
                    lease_until = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    locked_by = table.Column<string>(type: "text", nullable: true),
                    max_attempts = table.Column<int>(type: "integer", nullable: false),
                    run_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    state = table.Column<string>(type: "text", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_jobs", x => x.job_id);
                    table.CheckConstraint("ck_jobs_attempts", "attempts >= 0 AND max_attempts >= 1");
                    table.CheckConstraint("ck_jobs_processing_has_lease", "state <> 'processing' OR (locked_by IS NOT NULL AND lease_until IS NOT NULL)");
                    table.CheckConstraint("ck_jobs_state", "state IN ('enqueued', 'processing', 'succeeded', 'failed')");
                });

            migrationBuilder.CreateIndex(
                name: "ix_imports_job_id",
                table: "imports",
                column: "job_id");

            migrationBuilder.CreateIndex(
                name: "ix_jobs_due",
                table: "jobs",
                columns: new[] { "run_at", "job_id" },
                filter: "state = 'enqueued'");

            migrationBuilder.CreateIndex(
                name: "ix_jobs_leases",
                table: "jobs",
                column: "lease_until",
                filter: "state = 'processing'");

            migrationBuilder.AddForeignKey(
                name: "fk_imports_jobs",
                table: "imports",
                column: "job_id",
                principalTable: "jobs",
                principalColumn: "job_id",
                onDelete: ReferentialAction.Restrict);
        }
    }
}
