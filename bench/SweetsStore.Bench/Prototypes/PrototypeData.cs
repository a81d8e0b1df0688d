using Npgsql;
using NpgsqlTypes;
using SweetsStore.Bench.Data;
using SweetsStore.Domain;

namespace SweetsStore.Bench.Prototypes;

/// <summary>
/// The bench's data in the migrated <c>public</c> schema, from which every variant's schema is built: the 1,000,000
/// orders of the assign pools (the same seeded rows bench/run.sh loads), the concurrent scenario's 4,000 uniform couriers
/// and 300 couriers in 10 regions (and spares), and <c>proto_couriers</c>: what the API computes in memory for an assign (capacity,
/// coefficient, working hours as minute ranges, Pool.cs's first read limit), so the pgbench scripts need not.
/// </summary>
internal static class PrototypeData
{
    public const int PoolSize = 1_000_000;

    public static async Task LoadAsync(Db db, bool force)
    {
        var loaded = await db.ScalarAsync<long>("SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tablename = 'proto_couriers'") > 0
            && await db.ScalarAsync<long>("SELECT count(*) FROM orders") == PoolSize
            && await db.ScalarAsync<long>("SELECT count(*) FROM couriers") == 7000;
        if (loaded && !force)
        {
            Ui.Info("public already holds the prototype data");
            return;
        }

        await db.ExecuteAsync("DROP TABLE IF EXISTS proto_couriers");
        await db.TruncateAllAsync();
        await db.CopyOrdersAsync(Fakes.Orders(1, PoolSize, Fakes.Seed));
        // The bench's couriers (its first 4,000 and 300 are these) and spares: a transaction pgbench retries after a
        // deadlock takes the next courier.
        var couriers = Fakes.Couriers(AssignPrototype.UniformFirst, 6000, Fakes.Seed + 3)
            .Concat(Fakes.Couriers(AssignPrototype.HotFirst, 1000, Fakes.Seed + 4, 10)).ToArray();
        await using (var connection = await db.Source.OpenConnectionAsync())
        {
            await using (var copy = await connection.BeginBinaryImportAsync(
                "COPY couriers (courier_id, courier_type, regions, working_hours) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var c in couriers)
                {
                    await copy.StartRowAsync();
                    await copy.WriteAsync(c.Id, NpgsqlDbType.Bigint);
                    await copy.WriteAsync(c.Type.ToContractName(), NpgsqlDbType.Text);
                    await copy.WriteAsync(c.Regions, NpgsqlDbType.Array | NpgsqlDbType.Integer);
                    await copy.WriteAsync(c.Hours, NpgsqlDbType.Array | NpgsqlDbType.Text);
                }

                await copy.CompleteAsync();
            }

            await using (var create = new NpgsqlCommand(
                """
                CREATE TABLE proto_couriers (
                    courier_id bigint PRIMARY KEY, courier_type text NOT NULL, coefficient integer NOT NULL,
                    capacity_cg integer NOT NULL, hours int4multirange NOT NULL, first_limit integer NOT NULL)
                """, connection))
            {
                await create.ExecuteNonQueryAsync();
            }

            await using (var copy = await connection.BeginBinaryImportAsync(
                "COPY proto_couriers (courier_id, courier_type, coefficient, capacity_cg, hours, first_limit) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var c in couriers)
                {
                    await copy.StartRowAsync();
                    await copy.WriteAsync(c.Id, NpgsqlDbType.Bigint);
                    await copy.WriteAsync(c.Type.ToContractName(), NpgsqlDbType.Text);
                    await copy.WriteAsync(c.Type.Coefficient(), NpgsqlDbType.Integer);
                    await copy.WriteAsync(c.Type.Capacity().HundredthsOfKg, NpgsqlDbType.Integer);
                    await copy.WriteAsync(Fakes.Multirange(c.Hours), NpgsqlDbType.IntegerMultirange);
                    await copy.WriteAsync(AssignmentEngine.FirstReadPerRegion(c.Type.Capacity()), NpgsqlDbType.Integer);
                }

                await copy.CompleteAsync();
            }
        }

        await db.VacuumAsync();
        await db.ExecuteAsync("VACUUM (ANALYZE) proto_couriers");
        Ui.Info($"public: {PoolSize:N0} orders, {couriers.Length:N0} couriers");
    }
}
