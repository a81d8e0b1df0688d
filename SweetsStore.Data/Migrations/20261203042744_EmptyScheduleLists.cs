using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SweetsStore.Data.Migrations
{
    /// <inheritdoc />
    public partial class EmptyScheduleLists : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_orders_delivery",
                table: "orders");

            migrationBuilder.DropCheckConstraint(
                name: "ck_orders_delivery_hours",
                table: "orders");

            migrationBuilder.DropCheckConstraint(
                name: "ck_couriers_regions",
                table: "couriers");

            migrationBuilder.DropCheckConstraint(
                name: "ck_couriers_working_hours",
                table: "couriers");

            migrationBuilder.AddCheckConstraint(
                name: "ck_orders_delivery",
                table: "orders",
                sql: "delivery <@ int4multirange(int4range(0, 1440)) AND isempty(delivery) = (cardinality(delivery_hours) = 0)");

            migrationBuilder.AddCheckConstraint(
                name: "ck_couriers_regions",
                table: "couriers",
                sql: "1 <= ALL (regions)");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropCheckConstraint(
                name: "ck_orders_delivery",
                table: "orders");

            migrationBuilder.DropCheckConstraint(
                name: "ck_couriers_regions",
                table: "couriers");

            migrationBuilder.AddCheckConstraint(
                name: "ck_orders_delivery",
                table: "orders",
                sql: "NOT isempty(delivery) AND delivery <@ int4multirange(int4range(0, 1440))");

            migrationBuilder.AddCheckConstraint(
                name: "ck_orders_delivery_hours",
                table: "orders",
                sql: "cardinality(delivery_hours) >= 1");

            migrationBuilder.AddCheckConstraint(
                name: "ck_couriers_regions",
                table: "couriers",
                sql: "cardinality(regions) >= 1 AND 1 <= ALL (regions)");

            migrationBuilder.AddCheckConstraint(
                name: "ck_couriers_working_hours",
                table: "couriers",
                sql: "cardinality(working_hours) >= 1");
        }
    }
}
