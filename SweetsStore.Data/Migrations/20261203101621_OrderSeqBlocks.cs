using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

#nullable disable

namespace SweetsStore.Data.Migrations
{
    /// <inheritdoc />
    public partial class OrderSeqBlocks : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            // seq in blocks of 2^24 (OrderSeq, docs/decisions/0016 step 4): the first block lies above every seq stored.
            migrationBuilder.Sql("CREATE SEQUENCE orders_seq_block AS bigint;");
            migrationBuilder.Sql("SELECT setval('orders_seq_block', (SELECT coalesce(max(seq), 0) FROM orders) / 16777216 + 1, false);");
            migrationBuilder.AlterColumn<long>(
                name: "seq",
                table: "orders",
                type: "bigint",
                nullable: false,
                defaultValueSql: "nextval('orders_seq_block') * 16777216",
                oldClrType: typeof(long),
                oldType: "bigint")
                .OldAnnotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn);
            migrationBuilder.Sql("ALTER SEQUENCE orders_seq_block OWNED BY orders.seq;"); // TRUNCATE orders RESTART IDENTITY restarts it
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AlterColumn<long>(
                name: "seq",
                table: "orders",
                type: "bigint",
                nullable: false,
                oldClrType: typeof(long),
                oldType: "bigint",
                oldDefaultValueSql: "nextval('orders_seq_block') * 16777216")
                .Annotation("Npgsql:ValueGenerationStrategy", NpgsqlValueGenerationStrategy.IdentityAlwaysColumn);
            migrationBuilder.Sql("SELECT setval(pg_get_serial_sequence('orders', 'seq'), (SELECT coalesce(max(seq), 0) + 1 FROM orders), false);");
            migrationBuilder.Sql("DROP SEQUENCE orders_seq_block;");
        }
    }
}
