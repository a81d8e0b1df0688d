using System.Numerics;
using NodaTime;
using Npgsql;
using NpgsqlTypes;
using SweetsStore.Domain;

namespace SweetsStore.Data;

/// <summary>Courier imports, edits and reads. Each public method is one transaction.</summary>
public sealed class CourierService(NpgsqlDataSource db, PointReads reads, StaleReads pages, IClock clock)
{
    /// <summary>Changes a courier and releases the open orders that no longer fit (see <see cref="ReleasePolicy"/>). Null: unknown courier.</summary>
    public async Task<CourierView?> PatchAsync(long courierId, CourierType? type, int[]? regions, Schedule? workingHours, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);

        CourierType currentType;
        int[] currentRegions;
        string[] currentHours;
        long earnings;
        await using (var read = Sql.Command(connection,
            "SELECT courier_type, regions, working_hours, earnings FROM couriers WHERE courier_id = $1 FOR NO KEY UPDATE", Sql.P(courierId)))
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }

            currentType = reader.GetCourierType(0);
            currentRegions = reader.GetFieldValue<int[]>(1);
            currentHours = reader.GetFieldValue<string[]>(2);
            earnings = reader.GetInt64(3);
        }

        var newType = type ?? currentType;
        var newRegions = regions ?? currentRegions;
        var newHours = workingHours ?? Sql.ParseSchedule(currentHours);
        await using (var update = Sql.Command(connection,
            "UPDATE couriers SET courier_type = $2, regions = $3, working_hours = $4 WHERE courier_id = $1",
            Sql.P(courierId), Sql.P(newType), Sql.P(newRegions), Sql.P(newHours.ToStrings())))
        {
            await update.ExecuteNonQueryAsync(ct);
        }

        earnings += await ReleaseAsync(connection, courierId, newType, newRegions, newHours, ct);
        await tx.CommitAsync(ct);
        return new CourierView(courierId, newType, newRegions, newHours.ToStrings(), earnings, null);
    }

    /// <summary>The courier with earnings and rating (from the running per-region sums). Null: unknown courier.</summary>
    public async Task<CourierView?> GetAsync(long courierId, CancellationToken ct)
    {
        await using var command = reads.CreateCommand(
            """
            SELECT c.courier_type, c.regions, c.working_hours, c.earnings, s.region, s.total_micros, s.deliveries
            FROM couriers c
            LEFT JOIN courier_region_stats s ON s.courier_id = c.courier_id AND s.deliveries > 0
            WHERE c.courier_id = $1
            """);
        command.Parameters.Add(Sql.P(courierId));
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        var type = reader.GetCourierType(0);
        var regions = reader.GetFieldValue<int[]>(1);
        var hours = reader.GetFieldValue<string[]>(2);
        var earnings = reader.GetInt64(3);
        var stats = new List<RegionDeliveries>();
        do
        {
            if (!reader.IsDBNull(4))
            {
                stats.Add(new RegionDeliveries(reader.GetInt32(4), reader.GetFieldValue<BigInteger>(5), reader.GetInt64(6)));
            }
        }
        while (await reader.ReadAsync(ct));

        return new CourierView(courierId, type, regions, hours, earnings, earnings > 0 ? Rating.Compute(stats) : null);
    }

    /// <summary>
    /// Earnings and rating restricted to <paramref name="period"/>: bundles finished in it and deliveries completed
    /// in it (computed from the delivery rows, not the running sums). Null: unknown courier.
    /// </summary>
    public async Task<CourierView?> GetAsync(long courierId, Period period, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        await using var batch = new NpgsqlBatch(connection, tx)
        {
            BatchCommands =
            {
                Sql.BatchCommand(
                    """
                    SELECT c.courier_type, c.regions, c.working_hours,
                           (SELECT coalesce(sum(b.earnings), 0)::bigint FROM bundles b
                            WHERE b.courier_id = c.courier_id AND b.finished_at >= $2 AND b.finished_at < $3)
                    FROM couriers c WHERE c.courier_id = $1
                    """,
                    Sql.P(courierId), Sql.P(period.From), Sql.P(period.To)),
                Sql.BatchCommand(
                    """
                    SELECT o.region, sum(o.delivery_micros), count(*)
                    FROM bundles b JOIN orders o ON o.bundle_id = b.bundle_id
                    WHERE b.courier_id = $1 AND o.complete_time >= $2 AND o.complete_time < $3
                    GROUP BY o.region
                    """,
                    Sql.P(courierId), Sql.P(period.From), Sql.P(period.To)),
            },
        };
        await using var reader = await batch.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return null;
        }

        var type = reader.GetCourierType(0);
        var regions = reader.GetFieldValue<int[]>(1);
        var hours = reader.GetFieldValue<string[]>(2);
        var earnings = reader.GetInt64(3);
        await reader.NextResultAsync(ct);
        var stats = new List<RegionDeliveries>();
        while (await reader.ReadAsync(ct))
        {
            stats.Add(new RegionDeliveries(reader.GetInt32(0), reader.GetFieldValue<BigInteger>(1), reader.GetInt64(2)));
        }

        return new CourierView(courierId, type, regions, hours, earnings, earnings > 0 ? Rating.Compute(stats) : null);
    }

    /// <summary>A page of couriers by id, with earnings and rating; from a standby when one is configured (<see cref="StaleReads"/>).</summary>
    public async Task<IReadOnlyList<CourierView>> ListAsync(int offset, int limit, CancellationToken ct)
    {
        await using var command = pages.CreateCommand(
            """
            SELECT c.courier_id, c.courier_type, c.regions, c.working_hours, c.earnings,
                   array(SELECT s.region FROM courier_region_stats s WHERE s.courier_id = c.courier_id AND s.deliveries > 0 ORDER BY s.region),
                   array(SELECT s.total_micros FROM courier_region_stats s WHERE s.courier_id = c.courier_id AND s.deliveries > 0 ORDER BY s.region),
                   array(SELECT s.deliveries FROM courier_region_stats s WHERE s.courier_id = c.courier_id AND s.deliveries > 0 ORDER BY s.region)
            FROM couriers c
            ORDER BY c.courier_id
            OFFSET $1 LIMIT $2
            """);
        command.Parameters.Add(Sql.P((long)offset));
        command.Parameters.Add(Sql.P((long)limit));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var page = new List<CourierView>();
        while (await reader.ReadAsync(ct))
        {
            var earnings = reader.GetInt64(4);
            var regions = reader.GetFieldValue<int[]>(5);
            var totals = reader.GetFieldValue<BigInteger[]>(6);
            var counts = reader.GetFieldValue<long[]>(7);
            var rating = earnings > 0 ? Rating.Compute(regions.Select((r, i) => new RegionDeliveries(r, totals[i], counts[i]))) : null;
            page.Add(new CourierView(reader.GetInt64(0), reader.GetCourierType(1), reader.GetFieldValue<int[]>(2), reader.GetFieldValue<string[]>(3), earnings, rating));
        }

        return page;
    }

    /// <summary>
    /// Releases the courier's open orders that no longer fit and finishes the open bundle if none stays open.
    /// Returns the earnings this added (a finished bundle with a delivery pays). Caller holds the courier lock.
    /// </summary>
    private async Task<long> ReleaseAsync(NpgsqlConnection connection, long courierId, CourierType type, int[] regions, Schedule hours, CancellationToken ct)
    {
        long? bundleId = null;
        var open = new List<OpenOrder>();
        await using (var read = Sql.Command(connection,
            """
            SELECT b.bundle_id, o.order_id, o.weight_cg, o.region, o.delivery_hours, o.seq
            FROM bundles b
            LEFT JOIN orders o ON o.bundle_id = b.bundle_id AND o.complete_time IS NULL
            WHERE b.courier_id = $1 AND b.finished_at IS NULL
            """, Sql.P(courierId)))
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            while (await reader.ReadAsync(ct))
            {
                bundleId = reader.GetInt64(0);
                if (!reader.IsDBNull(1))
                {
                    open.Add(new OpenOrder(
                        reader.GetInt64(1), Weight.FromHundredthsOfKg(reader.GetInt32(2)), reader.GetInt32(3),
                        Sql.ParseSchedule(reader.GetFieldValue<string[]>(4)), reader.GetInt64(5)));
                }
            }
        }

        if (bundleId is null)
        {
            return 0;
        }

        var released = ReleasePolicy.Release(open, type, regions, hours);
        if (released.Count == 0)
        {
            return 0;
        }

        await using (var release = Sql.Command(connection,
            "UPDATE orders SET bundle_id = NULL WHERE order_id = ANY($1) AND bundle_id = $2 AND complete_time IS NULL",
            Sql.P(released.Select(r => r.Order.OrderId).ToArray()), Sql.P(bundleId.Value)))
        {
            await release.ExecuteNonQueryAsync(ct);
        }

        return BundleRules.IsFinished(open.Count - released.Count)
            ? await Bundles.FinishAsync(connection, bundleId.Value, courierId, clock.NowToMicroseconds(), ct)
            : 0;
    }
}
