using Bogus;
using NpgsqlTypes;
using SweetsStore.Domain;

namespace SweetsStore.Bench.Data;

/// <summary>
/// Delivery history written directly in SQL, as the API would have written it: for each courier, finished bundles
/// of <c>perBundle</c> orders in its regions and hours whose weights fit its capacity, each order completed 1–20
/// minutes after the previous one (or the assign time), <c>delivery_micros</c> = that gap, <c>courier_region_stats</c>
/// = the per-region sums, each bundle paid 500 × C (C of the courier's type), and the courier's <c>earnings</c> = the sum.
/// </summary>
internal static class History
{
    public sealed record Expected(long CourierId, long Earnings, decimal? Rating, DateTime From, DateTime To);

    private readonly record struct OrderLine(long Id, int WeightHundredthsOfKg, int Region, CourierRow Courier, long BundleId, DateTime CompleteTime, long Micros);

    private readonly record struct BundleLine(long Id, CourierRow Courier, DateTime Assign, DateTime Finished);

    public static async Task<List<Expected>> WriteAsync(Db db, IReadOnlyList<CourierRow> couriers, int deliveries, int perBundle, long firstOrderId, int seed)
    {
        var random = new Randomizer(seed);
        var bundleId = await db.ScalarAsync<long>("SELECT coalesce(max(bundle_id), 0) + 1 FROM bundles");
        var orderId = firstOrderId;
        var baseTime = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var expected = new List<Expected>();
        var orders = new List<OrderLine>(couriers.Count * deliveries);
        var bundles = new List<BundleLine>();
        var stats = new List<(long Courier, int Region, long Total, long Count)>();

        foreach (var courier in couriers)
        {
            var capacity = courier.Type.Capacity().HundredthsOfKg;
            var sums = new Dictionary<int, (long Total, long Count)>();
            var start = baseTime.AddDays(random.Int(0, 300));
            var bundleCount = deliveries / perBundle;
            var last = start;
            for (var b = 0; b < bundleCount; b++)
            {
                var assign = start.AddHours(4 * b).AddTicks(random.Int(0, 999_999) * 10L);
                var at = assign;
                for (var k = 0; k < perBundle; k++)
                {
                    var gapMicros = (random.Int(60, 1200) * 1_000_000L) + random.Int(0, 999_999);
                    at = at.AddTicks(gapMicros * 10);
                    var region = courier.Regions[random.Int(0, courier.Regions.Length - 1)];
                    orders.Add(new OrderLine(orderId++, random.Int(1, capacity / perBundle), region, courier, bundleId, at, gapMicros));
                    var s = sums.GetValueOrDefault(region);
                    sums[region] = (s.Total + gapMicros, s.Count + 1);
                }

                bundles.Add(new BundleLine(bundleId++, courier, assign, at));
                last = at;
            }

            stats.AddRange(sums.Select(kv => (courier.Id, kv.Key, kv.Value.Total, kv.Value.Count)));
            expected.Add(new Expected(
                courier.Id,
                (long)BundleRules.PayUnit * courier.Type.Coefficient() * bundleCount,
                Rating.Compute(sums.Select(kv => new RegionDeliveries(kv.Key, kv.Value.Total, kv.Value.Count))),
                start,
                last.AddTicks(10)));
        }

        await using var connection = await db.Source.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();

        // Bundles first: the orders' foreign key is checked at the end of their COPY. COPY writes identity values as given.
        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY bundles (bundle_id, courier_id, courier_type, coefficient, assign_time, finished_at, earnings) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var b in bundles)
            {
                var coefficient = b.Courier.Type.Coefficient();
                await copy.StartRowAsync();
                await copy.WriteAsync(b.Id, NpgsqlDbType.Bigint);
                await copy.WriteAsync(b.Courier.Id, NpgsqlDbType.Bigint);
                await copy.WriteAsync(b.Courier.Type.ToContractName(), NpgsqlDbType.Text);
                await copy.WriteAsync(coefficient, NpgsqlDbType.Integer);
                await copy.WriteAsync(b.Assign, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(b.Finished, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync((long)BundleRules.PayUnit * coefficient, NpgsqlDbType.Bigint);
            }

            await copy.CompleteAsync();
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY orders (order_id, weight_cg, region, delivery_hours, delivery, bundle_id, complete_time, delivery_micros) FROM STDIN (FORMAT BINARY)"))
        {
            var multiranges = couriers.ToDictionary(c => c.Id, c => Fakes.Multirange(c.Hours));
            foreach (var o in orders)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(o.Id, NpgsqlDbType.Bigint);
                await copy.WriteAsync(o.WeightHundredthsOfKg, NpgsqlDbType.Integer);
                await copy.WriteAsync(o.Region, NpgsqlDbType.Integer);
                await copy.WriteAsync(o.Courier.Hours, NpgsqlDbType.Array | NpgsqlDbType.Text);
                await copy.WriteAsync(multiranges[o.Courier.Id], NpgsqlDbType.IntegerMultirange);
                await copy.WriteAsync(o.BundleId, NpgsqlDbType.Bigint);
                await copy.WriteAsync(o.CompleteTime, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(o.Micros, NpgsqlDbType.Bigint);
            }

            await copy.CompleteAsync();
        }

        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY courier_region_stats (courier_id, region, total_micros, deliveries) FROM STDIN (FORMAT BINARY)"))
        {
            foreach (var (courier, region, total, count) in stats)
            {
                await copy.StartRowAsync();
                await copy.WriteAsync(courier, NpgsqlDbType.Bigint);
                await copy.WriteAsync(region, NpgsqlDbType.Integer);
                await copy.WriteAsync((decimal)total, NpgsqlDbType.Numeric);
                await copy.WriteAsync(count, NpgsqlDbType.Bigint);
            }

            await copy.CompleteAsync();
        }

        await using (var update = new Npgsql.NpgsqlCommand(
            "UPDATE couriers c SET earnings = e.earnings FROM unnest($1::bigint[], $2::bigint[]) AS e(courier_id, earnings) WHERE c.courier_id = e.courier_id",
            connection, tx))
        {
            update.Parameters.Add(new Npgsql.NpgsqlParameter<long[]> { TypedValue = expected.Select(e => e.CourierId).ToArray() });
            update.Parameters.Add(new Npgsql.NpgsqlParameter<long[]> { TypedValue = expected.Select(e => e.Earnings).ToArray() });
            await update.ExecuteNonQueryAsync();
        }

        // Later bundles the API creates must not collide with the ids written here.
        await using (var setval = new Npgsql.NpgsqlCommand(
            "SELECT setval(pg_get_serial_sequence('bundles', 'bundle_id'), (SELECT max(bundle_id) FROM bundles))", connection, tx))
        {
            await setval.ExecuteScalarAsync();
        }

        await tx.CommitAsync();
        await db.ExecuteAsync("VACUUM (ANALYZE) orders, bundles, couriers, courier_region_stats");
        return expected;
    }
}
