using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Npgsql;
using SweetsStore.Data;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Contracts;

/// <summary>Migration OrderSeqBlocks on a database that has orders: seq stops being an identity and stays the age.</summary>
public class OrderSeqMigrationTests
{
    [Fact]
    public async Task OrdersStoredBeforeTheMigrationStayOlderThanEveryOrderAfterIt()
    {
        var name = $"sweetsstore_s_{Guid.NewGuid():N}";
        await MigrationTests.AdminAsync($"CREATE DATABASE {name}");
        try
        {
            var connectionString = TestDatabase.ConnectionStringFor(name);
            await using (var before = Context(connectionString))
            {
                await before.GetService<IMigrator>().MigrateAsync("20261203061818_IdempotencyKeys");
            }

            // Two orders by the identity (seq 1 and 2), one with a seq above the first block (2^24 = 16,777,216).
            await ExecuteAsync(connectionString,
                """
                INSERT INTO orders (order_id, weight_cg, region, delivery_hours, delivery) VALUES
                    (1, 100, 1, '{09:00-18:00}', '{[540,1080)}'), (2, 100, 1, '{09:00-18:00}', '{[540,1080)}');
                INSERT INTO orders (order_id, seq, weight_cg, region, delivery_hours, delivery) OVERRIDING SYSTEM VALUE
                    VALUES (3, 40000000, 100, 1, '{09:00-18:00}', '{[540,1080)}');
                """);

            await using (var after = Context(connectionString))
            {
                await after.Database.MigrateAsync();
            }

            await ExecuteAsync(connectionString,
                "INSERT INTO orders (order_id, weight_cg, region, delivery_hours, delivery) VALUES (4, 100, 1, '{09:00-18:00}', '{[540,1080)}')");
            Assert.Equal(new[] { 1L, 2L, 40_000_000L, 3L << 24 }, await SeqsAsync(connectionString));
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            await MigrationTests.AdminAsync($"DROP DATABASE IF EXISTS {name} WITH (FORCE)");
        }
    }

    private static StoreDbContext Context(string connectionString) =>
        new(new DbContextOptionsBuilder<StoreDbContext>().UseStore(connectionString).Options);

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<long[]> SeqsAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT array_agg(seq ORDER BY order_id) FROM orders", connection);
        return (long[])(await command.ExecuteScalarAsync())!;
    }
}
