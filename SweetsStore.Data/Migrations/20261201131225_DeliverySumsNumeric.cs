using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace SweetsStore.Data.Migrations
{
    /// <inheritdoc />
    public partial class DeliverySumsNumeric : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<decimal>(
                name: "total_micros",
                table: "courier_region_stats",
                type: "numeric",
                nullable: false,
                oldClrType: typeof(long),
                oldType: "bigint");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<long>(
                name: "total_micros",
                table: "courier_region_stats",
                type: "bigint",
                nullable: false,
                oldClrType: typeof(decimal),
                oldType: "numeric");
        }
    }
}
