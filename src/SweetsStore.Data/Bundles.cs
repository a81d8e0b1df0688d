using NodaTime;
using Npgsql;

namespace SweetsStore.Data;

/// <summary>SQL shared by everything that ends a bundle.</summary>
internal static class Bundles
{
    /// <summary>
    /// Finishes open bundle $1 if it has no open order left: stamps <c>finished_at</c> (the latest of $2, the
    /// assign time and the bundle's last delivery), pays 500 × C (C as at assignment) when at least one order
    /// was delivered, and adds that to the courier's earnings. Yields what it paid (0 if it did nothing).
    /// </summary>
    private const string FinishSql =
        """
        WITH finished AS (
            UPDATE bundles b
            SET finished_at = greatest($2, b.assign_time, (SELECT max(o.complete_time) FROM orders o WHERE o.bundle_id = b.bundle_id)),
                earnings = CASE WHEN EXISTS (SELECT 1 FROM orders o WHERE o.bundle_id = b.bundle_id AND o.complete_time IS NOT NULL)
                                THEN 500 * b.coefficient ELSE 0 END
            WHERE b.bundle_id = $1 AND b.finished_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.bundle_id = b.bundle_id AND o.complete_time IS NULL)
            RETURNING b.courier_id, b.earnings
        ), paid AS (
            UPDATE couriers c SET earnings = c.earnings + f.earnings
            FROM finished f WHERE c.courier_id = f.courier_id AND f.earnings > 0
        )
        SELECT coalesce((SELECT earnings FROM finished), 0)
        """;

    public static NpgsqlBatchCommand FinishCommand(long bundleId, Instant finishedAt) =>
        Sql.BatchCommand(FinishSql, Sql.P(bundleId), Sql.P(finishedAt));

    public static async Task<long> FinishAsync(NpgsqlConnection connection, long bundleId, Instant finishedAt, CancellationToken ct)
    {
        await using var finish = Sql.Command(connection, FinishSql, Sql.P(bundleId), Sql.P(finishedAt));
        return (long)(await finish.ExecuteScalarAsync(ct))!;
    }
}
