using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SweetsStore.Data.Migrations
{
    /// <inheritdoc />
    public partial class IdempotencyKeys : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "idempotency_keys",
                columns: table => new
                {
                    idempotency_key = table.Column<string>(type: "text", nullable: false),
                    method = table.Column<string>(type: "text", nullable: false),
                    target = table.Column<string>(type: "text", nullable: false),
                    fingerprint = table.Column<byte[]>(type: "bytea", nullable: false),
                    status = table.Column<int>(type: "integer", nullable: false),
                    body = table.Column<byte[]>(type: "bytea", nullable: false),
                    location = table.Column<string>(type: "text", nullable: true),
                    created_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_idempotency_keys", x => x.idempotency_key);
                    table.CheckConstraint("ck_idempotency_keys_fingerprint", "octet_length(fingerprint) = 32");
                    table.CheckConstraint("ck_idempotency_keys_key", "idempotency_key ~ '^[!-~]{1,255}$'");
                    table.CheckConstraint("ck_idempotency_keys_status", "status BETWEEN 200 AND 499");
                });

            migrationBuilder.CreateIndex(
                name: "ix_idempotency_keys_created_at",
                table: "idempotency_keys",
                column: "created_at");

            // The claim of a key, first statement of every transaction that answers under one (docs/decisions/0014):
            // the transaction-scoped advisory lock (namespace 1919, so it shares no key with any other advisory lock) is
            // only tried; then, with a snapshot taken after it, an answer stored within the retention is looked for.
            migrationBuilder.Sql(
                """
                CREATE FUNCTION idempotency_claim(claimed_key text, retention_seconds double precision) RETURNS void
                LANGUAGE plpgsql VOLATILE AS $$
                BEGIN
                    IF NOT pg_try_advisory_xact_lock(1919, hashtext(claimed_key)) THEN
                        RAISE EXCEPTION 'a request with this Idempotency-Key is still running' USING ERRCODE = 'SSI09';
                    END IF;
                    IF EXISTS (SELECT 1 FROM idempotency_keys
                               WHERE idempotency_key = claimed_key AND created_at > now() - make_interval(secs => retention_seconds)) THEN
                        RAISE EXCEPTION 'an answer is stored under this Idempotency-Key' USING ERRCODE = 'SSI00';
                    END IF;
                END
                $$;
                """);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.Sql("DROP FUNCTION idempotency_claim(text, double precision);");

            migrationBuilder.DropTable(
                name: "idempotency_keys");
        }
    }
}
