using System;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;
using NpgsqlTypes;

#nullable disable

namespace SweetsStore.Data.Migrations
{
    /// <inheritdoc />
    public partial class InitialSchema : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "couriers",
                columns: table => new
                {
                    courier_id = table.Column<long>(type: "bigint", nullable: false),
                    courier_type = table.Column<string>(type: "text", nullable: false),
                    regions = table.Column<int[]>(type: "integer[]", nullable: false),
                    working_hours = table.Column<string[]>(type: "text[]", nullable: false),
                    earnings = table.Column<long>(type: "bigint", nullable: false, defaultValue: 0L)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_couriers", x => x.courier_id);
                    table.CheckConstraint("ck_couriers_courier_id", "courier_id >= 1");
                    table.CheckConstraint("ck_couriers_courier_type", "courier_type IN ('foot', 'bike', 'car')");
                    table.CheckConstraint("ck_couriers_earnings", "earnings >= 0");
                    table.CheckConstraint("ck_couriers_regions", "cardinality(regions) >= 1 AND 1 <= ALL (regions)");
                    table.CheckConstraint("ck_couriers_working_hours", "cardinality(working_hours) >= 1");
                });

            migrationBuilder.CreateTable(
                name: "bundles",
                columns: table => new
                {
                    bundle_id = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    courier_id = table.Column<long>(type: "bigint", nullable: false),
                    courier_type = table.Column<string>(type: "text", nullable: false),
                    coefficient = table.Column<int>(type: "integer", nullable: false),
                    assign_time = table.Column<DateTime>(type: "timestamp with time zone", nullable: false),
                    finished_at = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    earnings = table.Column<long>(type: "bigint", nullable: false, defaultValue: 0L)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_bundles", x => x.bundle_id);
                    table.CheckConstraint("ck_bundles_coefficient", "coefficient IN (2, 5, 9)");
                    table.CheckConstraint("ck_bundles_courier_type", "courier_type IN ('foot', 'bike', 'car')");
                    table.CheckConstraint("ck_bundles_earnings", "earnings = 0 OR (finished_at IS NOT NULL AND earnings = 500 * coefficient)");
                    table.CheckConstraint("ck_bundles_finished", "finished_at IS NULL OR finished_at >= assign_time");
                    table.ForeignKey(
                        name: "fk_bundles_couriers",
                        column: x => x.courier_id,
                        principalTable: "couriers",
                        principalColumn: "courier_id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "courier_region_stats",
                columns: table => new
                {
                    courier_id = table.Column<long>(type: "bigint", nullable: false),
                    region = table.Column<int>(type: "integer", nullable: false),
                    total_micros = table.Column<long>(type: "bigint", nullable: false),
                    deliveries = table.Column<long>(type: "bigint", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_courier_region_stats", x => new { x.courier_id, x.region });
                    table.CheckConstraint("ck_courier_region_stats_totals", "total_micros >= 0 AND deliveries >= 0");
                    table.ForeignKey(
                        name: "fk_courier_region_stats_couriers",
                        column: x => x.courier_id,
                        principalTable: "couriers",
                        principalColumn: "courier_id",
                        onDelete: ReferentialAction.Restrict);
                });

            migrationBuilder.CreateTable(
                name: "orders",
                columns: table => new
                {
                    order_id = table.Column<long>(type: "bigint", nullable: false),
                    seq = table.Column<long>(type: "bigint", nullable: false)
                        .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn),
                    weight_cg = table.Column<int>(type: "integer", nullable: false),
                    region = table.Column<int>(type: "integer", nullable: false),
                    delivery_hours = table.Column<string[]>(type: "text[]", nullable: false),
                    delivery = table.Column<NpgsqlRange<int>[]>(type: "int4multirange", nullable: false),
                    bundle_id = table.Column<long>(type: "bigint", nullable: true),
                    complete_time = table.Column<DateTime>(type: "timestamp with time zone", nullable: true),
                    delivery_micros = table.Column<long>(type: "bigint", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("pk_orders", x => x.order_id);
                    table.CheckConstraint("ck_orders_completed_in_bundle", "complete_time IS NULL OR (bundle_id IS NOT NULL AND delivery_micros IS NOT NULL)");
                    table.CheckConstraint("ck_orders_delivery", "NOT isempty(delivery) AND delivery <@ int4multirange(int4range(0, 1440))");
                    table.CheckConstraint("ck_orders_delivery_hours", "cardinality(delivery_hours) >= 1");
                    table.CheckConstraint("ck_orders_order_id", "order_id >= 1");
                    table.CheckConstraint("ck_orders_region", "region >= 1");
                    table.CheckConstraint("ck_orders_weight_cg", "weight_cg BETWEEN 1 AND 5000");
                    table.ForeignKey(
                        name: "fk_orders_bundles",
                        column: x => x.bundle_id,
                        principalTable: "bundles",
                        principalColumn: "bundle_id",
                        onDelete: ReferentialAction.Restrict);
                })
                .Annotation("Npgsql:StorageParameter:autovacuum_analyze_scale_factor", 0.02)
                .Annotation("Npgsql:StorageParameter:autovacuum_vacuum_scale_factor", 0.01);

            migrationBuilder.CreateIndex(
                name: "ix_bundles_courier_finished",
                table: "bundles",
                columns: new[] { "courier_id", "finished_at" });

            migrationBuilder.CreateIndex(
                name: "ux_bundles_open_per_courier",
                table: "bundles",
                column: "courier_id",
                unique: true,
                filter: "finished_at IS NULL");

            migrationBuilder.CreateIndex(
                name: "ix_orders_bundle",
                table: "orders",
                columns: new[] { "bundle_id", "complete_time", "order_id" },
                filter: "bundle_id IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "ix_orders_pool",
                table: "orders",
                columns: new[] { "region", "weight_cg", "seq" },
                filter: "bundle_id IS NULL")
                .Annotation("Npgsql:IndexInclude", new[] { "order_id", "delivery" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "courier_region_stats");

            migrationBuilder.DropTable(
                name: "orders");

            migrationBuilder.DropTable(
                name: "bundles");

            migrationBuilder.DropTable(
                name: "couriers");
        }
    }
}
