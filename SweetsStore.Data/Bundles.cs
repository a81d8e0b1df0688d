using NodaTime;
using Npgsql;
using SweetsStore.Domain;

namespace SweetsStore.Data;

/// <summary>SQL shared by everything that ends a bundle.</summary>
internal static class Bundles
{
    /// <summary>
    /// Finishes open bundle $1 of courier $3 if it has no open order left (<see cref="BundleRules.IsFinished"/>):
    /// stamps <c>finished_at</c> (the latest of $2, the assign time and the bundle's last delivery), pays $4 × C (C as at
    /// assignment) when at least one order was delivered (<see cref="BundleRules.Pay"/>; $4 is
    /// <see cref="BundleRules.PayUnit"/>), and adds that to the courier's earnings. Yields what it paid (0 if it did
    /// nothing). The rules are evaluated here, in the statement. A complete that delivers a bundle's last open order
    /// finishes it in its own statement (<c>DeliveryService.CompleteSql</c>, the same rules).
    /// </summary>
    private const string FinishBundleSql =
        """
        WITH finished AS (
            UPDATE bundles b
            SET finished_at = greatest($2, b.assign_time, (SELECT max(o.complete_time) FROM orders o WHERE o.bundle_id = b.bundle_id)),
                earnings = CASE WHEN EXISTS (SELECT 1 FROM orders o WHERE o.bundle_id = b.bundle_id AND o.complete_time IS NOT NULL)
                                THEN $4 * b.coefficient ELSE 0 END
            -- courier_id first: a one-row probe of ux_bundles_open_per_courier, whatever the statistics say
            -- (with stale ones the planner walked that index filtering on bundle_id: 1.3 ms instead of 0.1).
            WHERE b.courier_id = $3 AND b.finished_at IS NULL AND b.bundle_id = $1
              AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.bundle_id = b.bundle_id AND o.complete_time IS NULL)
            RETURNING b.courier_id, b.earnings
        ), paid AS (
            UPDATE couriers c SET earnings = c.earnings + f.earnings
            FROM finished f WHERE c.courier_id = f.courier_id AND f.earnings > 0
        )
        SELECT coalesce((SELECT earnings FROM finished), 0)
        """;

    public static async Task<long> FinishAsync(NpgsqlConnection connection, long bundleId, long courierId, Instant finishedAt, CancellationToken ct)
    {
        await using var finish = Sql.Command(connection, FinishBundleSql, Sql.P(bundleId), Sql.P(finishedAt), Sql.P(courierId), Sql.P(BundleRules.PayUnit));
        return (long)(await finish.ExecuteScalarAsync(ct))!;
    }
}
