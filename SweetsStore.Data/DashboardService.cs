using NodaTime;
using Npgsql;
using SweetsStore.Domain;

namespace SweetsStore.Data;

/// <summary>A region's pending orders: how many, and their total weight.</summary>
public sealed record RegionPool(int Region, long Pending, long WeightHundredthsOfKg);

/// <summary>The regions with the most pending orders, and how many regions have any.</summary>
public sealed record RegionsView(IReadOnlyList<RegionPool> Top, long Regions);

/// <summary>An open bundle: its courier, when it was assigned, and how many of its orders are still open.</summary>
public sealed record OpenBundleView(long BundleId, long CourierId, CourierType CourierType, Instant AssignTime, int Orders, int OpenOrders);

/// <summary>Open bundles assigned before a time, oldest first (at most a page), and how many there are in all.</summary>
public sealed record StaleBundlesView(IReadOnlyList<OpenBundleView> Bundles, long Total);

/// <summary>What the operator dashboard reads beyond the counts of <see cref="StatsService"/>.</summary>
public sealed class DashboardService(NpgsqlDataSource db)
{
    /// <summary>
    /// The <paramref name="limit"/> regions with the most pending orders (ties by region), with their weight.
    /// </summary>
    /// <remarks>
    /// Pending orders are exactly the entries of the partial index <c>ix_orders_pool</c>, which leads with the region
    /// and carries the weight: one index-only scan in region order, aggregated as it streams, never the table's rows
    /// (but heap pages an assign or import changed since the last vacuum). It reads every pending entry, so it costs in
    /// proportion to the pool (docs/decisions/0015 has the figures); callers cache it.
    /// </remarks>
    public async Task<RegionsView> PendingByRegionAsync(int limit, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            """
            SELECT region, pending, weight_cg, count(*) OVER ()
            FROM (
                SELECT region, count(*) AS pending, sum(weight_cg) AS weight_cg
                FROM orders WHERE bundle_id IS NULL
                GROUP BY region
            ) r
            ORDER BY pending DESC, region
            LIMIT $1
            """);
        command.Parameters.Add(Sql.P(limit));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var top = new List<RegionPool>();
        long regions = 0;
        while (await reader.ReadAsync(ct))
        {
            top.Add(new RegionPool(reader.GetInt32(0), reader.GetInt64(1), reader.GetInt64(2)));
            regions = reader.GetInt64(3);
        }

        return new RegionsView(top, regions);
    }

    /// <summary>Open bundles assigned before <paramref name="before"/>, oldest first, at most <paramref name="limit"/>.</summary>
    /// <remarks>
    /// Open bundles are the entries of the partial unique index <c>ux_bundles_open_per_courier</c> (one per courier at
    /// most), so this reads no more bundles than there are couriers at work, and a bundle's orders by
    /// <c>ix_orders_bundle</c>.
    /// </remarks>
    public async Task<StaleBundlesView> OpenSinceAsync(Instant before, int limit, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            """
            SELECT s.bundle_id, s.courier_id, s.courier_type, s.assign_time,
                   (SELECT count(*) FROM orders o WHERE o.bundle_id = s.bundle_id)::int,
                   (SELECT count(*) FROM orders o WHERE o.bundle_id = s.bundle_id AND o.complete_time IS NULL)::int,
                   s.total
            FROM (
                SELECT bundle_id, courier_id, courier_type, assign_time, count(*) OVER () AS total
                FROM bundles
                WHERE finished_at IS NULL AND assign_time < $1
                ORDER BY assign_time, bundle_id
                LIMIT $2
            ) s
            ORDER BY s.assign_time, s.bundle_id
            """);
        command.Parameters.Add(Sql.P(before));
        command.Parameters.Add(Sql.P(limit));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var bundles = new List<OpenBundleView>();
        long total = 0;
        while (await reader.ReadAsync(ct))
        {
            bundles.Add(new OpenBundleView(
                reader.GetInt64(0), reader.GetInt64(1), reader.GetCourierType(2), reader.GetFieldValue<Instant>(3), reader.GetInt32(4), reader.GetInt32(5)));
            total = reader.GetInt64(6);
        }

        return new StaleBundlesView(bundles, total);
    }
}
