using NodaTime;
using Npgsql;
using NpgsqlTypes;
using SweetsStore.Domain;

namespace SweetsStore.Data;

/// <summary>
/// Assigning bundles and completing orders. Every operation that changes a courier's bundle first locks the
/// courier row (<c>FOR NO KEY UPDATE</c>): assign, complete and PATCH of one courier run one at a time, across
/// all API processes, while different couriers proceed in parallel.
/// </summary>
public sealed class DeliveryService(NpgsqlDataSource db, IClock clock)
{
    // A storm that still loses after this many fresh tries is answered 503 (retry), not looped on forever.
    private const int MaxAttempts = 30;

    // After this many lost races, wait a little (jittered) before trying again.
    private const int BackOffAfter = 3;

    /// <summary>
    /// The courier's open bundle (its still-open orders, unchanged), or a new bundle chosen by the
    /// <see cref="AssignmentEngine"/>, or nothing when nothing fits.
    /// </summary>
    /// <exception cref="DomainException">The courier does not exist.</exception>
    /// <remarks>
    /// The pool is read without locks; only the chosen orders are claimed, by one UPDATE that takes them in
    /// primary-key order (so two claims never deadlock). A claim that finds one of them taken rolls the whole
    /// transaction back and tries again without those orders. Every failed claim means another assign took
    /// orders, so the retries make progress.
    /// </remarks>
    public async Task<AssignOutcome> AssignAsync(long courierId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var taken = new HashSet<long>();
        for (var attempt = 1; ; attempt++)
        {
            var (outcome, lost) = await TryAssignAsync(connection, courierId, taken, ct);
            if (outcome is not null)
            {
                return outcome;
            }

            if (attempt == MaxAttempts)
            {
                throw new ContentionException($"assign for courier {courierId} lost {attempt} races for orders");
            }

            taken.UnionWith(lost);
            if (attempt > BackOffAfter)
            {
                await Task.Delay(Random.Shared.Next(1, 5 * attempt), ct);
            }
        }
    }

    private async Task<(AssignOutcome? Outcome, long[] Lost)> TryAssignAsync(
        NpgsqlConnection connection, long courierId, IReadOnlyCollection<long> taken, CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        CourierType type;
        int[] regions;
        Schedule hours;

        // The lock and the read are separate statements: after waiting for the lock, the second statement sees
        // what the previous holder committed (a bundle it just created, say). One statement would not.
        await using (var read = new NpgsqlBatch(connection, tx)
        {
            BatchCommands =
            {
                Sql.BatchCommand("SELECT 1 FROM couriers WHERE courier_id = $1 FOR NO KEY UPDATE", Sql.P(courierId)),
                Sql.BatchCommand(
                    """
                    SELECT c.courier_type, c.regions, c.working_hours, b.assign_time,
                           array(SELECT o.order_id FROM orders o
                                 WHERE o.bundle_id = b.bundle_id AND o.complete_time IS NULL ORDER BY o.order_id)
                    FROM couriers c
                    LEFT JOIN bundles b ON b.courier_id = c.courier_id AND b.finished_at IS NULL
                    WHERE c.courier_id = $1
                    """, Sql.P(courierId)),
            },
        })
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            await reader.NextResultAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                throw new DomainException("courier_id", "no courier has this id");
            }

            if (!reader.IsDBNull(3))
            {
                return (new AssignOutcome(reader.GetFieldValue<long[]>(4), reader.GetInstant(3)), []);
            }

            type = reader.GetCourierType(0);
            regions = reader.GetFieldValue<int[]>(1).Distinct().ToArray();
            hours = Sql.ParseSchedule(reader.GetFieldValue<string[]>(2));
        }

        var capacity = type.Capacity();
        var candidates = await Pool.ReadAsync(connection, regions, capacity, Sql.Multirange(hours), taken, ct);
        var selection = AssignmentEngine.Choose(candidates, capacity);
        if (selection.Orders.Count == 0)
        {
            await tx.CommitAsync(ct);
            return (new AssignOutcome([], null), []);
        }

        var ids = selection.Orders.Select(o => o.OrderId).Order().ToArray();
        var now = clock.NowToMicroseconds();
        var claimed = await TryCreateBundleAsync(connection, courierId, type, now, ids, ct);
        if (claimed is not null)
        {
            await tx.RollbackAsync(ct);
            return (null, ids.Except(claimed).ToArray());
        }

        await tx.CommitAsync(ct);
        return (new AssignOutcome(ids, now), []);
    }

    /// <summary>Marks an order delivered and keeps the courier's rating sums and earnings current.</summary>
    /// <exception cref="DomainException">Unknown courier or order, order not assigned or assigned to another
    /// courier, or a complete time before the bundle's assign time.</exception>
    /// <remarks>
    /// Two round trips. The first opens the transaction and runs two statements: the courier lock, then one read
    /// (taken after the lock, so it sees every earlier complete of this courier) of the order, its bundle, its
    /// neighbours in delivery order and whether the bundle keeps another open order. The second runs the writes
    /// — one statement, plus the bundle's finish only when this was its last open order (the lock keeps that true
    /// until the commit) — and the COMMIT.
    /// </remarks>
    public async Task CompleteAsync(long courierId, long orderId, Instant completeTime, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = new PipelinedTransaction(connection);

        long bundleId;
        int region;
        Instant assignTime;
        bool othersOpen;
        Neighbour? previous = null;
        Neighbour? next = null;
        await using (var reads = tx.Batch(
            Sql.BatchCommand("SELECT 1 FROM couriers WHERE courier_id = $1 FOR NO KEY UPDATE", Sql.P(courierId)),
            Sql.BatchCommand(
                """
                SELECT o.bundle_id, o.complete_time, o.region, b.courier_id, b.assign_time,
                       EXISTS (SELECT 1 FROM orders x WHERE x.bundle_id = o.bundle_id AND x.complete_time IS NULL AND x.order_id <> o.order_id),
                       p.order_id, p.complete_time, p.region, p.delivery_micros,
                       n.order_id, n.complete_time, n.region, n.delivery_micros
                FROM orders o
                LEFT JOIN bundles b ON b.bundle_id = o.bundle_id
                LEFT JOIN LATERAL (
                    SELECT x.order_id, x.complete_time, x.region, x.delivery_micros FROM orders x
                    WHERE x.bundle_id = o.bundle_id AND (x.complete_time, x.order_id) < ($2, o.order_id)
                    ORDER BY x.complete_time DESC, x.order_id DESC LIMIT 1
                ) p ON TRUE
                LEFT JOIN LATERAL (
                    SELECT x.order_id, x.complete_time, x.region, x.delivery_micros FROM orders x
                    WHERE x.bundle_id = o.bundle_id AND (x.complete_time, x.order_id) > ($2, o.order_id)
                    ORDER BY x.complete_time, x.order_id LIMIT 1
                ) n ON TRUE
                WHERE o.order_id = $1
                """, Sql.P(orderId), Sql.P(completeTime))))
        await using (var reader = await reads.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                throw new DomainException("courier_id", "no courier has this id");
            }

            await reader.NextResultAsync(ct);
            if (!await reader.ReadAsync(ct))
            {
                throw new DomainException("order_id", "no order has this id");
            }

            if (reader.IsDBNull(0))
            {
                throw new DomainException("order_id", "is not assigned to a courier");
            }

            if (reader.GetInt64(3) != courierId)
            {
                throw new DomainException("order_id", "is assigned to another courier");
            }

            if (!reader.IsDBNull(1))
            {
                return; // Already delivered by this courier: the first complete time stays.
            }

            bundleId = reader.GetInt64(0);
            region = reader.GetInt32(2);
            assignTime = reader.GetInstant(4);
            if (completeTime < assignTime)
            {
                throw new DomainException("complete_time", $"is earlier than the bundle's assign_time {NodaTime.Text.InstantPattern.ExtendedIso.Format(assignTime)}");
            }

            othersOpen = reader.GetBoolean(5);
            previous = Neighbour.Read(reader, 6);
            next = Neighbour.Read(reader, 10);
        }

        // Delivery time = complete time − the previous delivery (or the assign time). A completion that lands
        // between two earlier ones also shortens its successor's delivery time: apply that difference too.
        var delivery = Micros(completeTime - (previous?.CompleteTime ?? assignTime));
        var writes = new List<NpgsqlBatchCommand>
        {
            // A data-modifying WITH runs to completion even though the INSERT does not read it.
            Sql.BatchCommand(
                """
                WITH delivered AS (
                    UPDATE orders SET complete_time = $2, delivery_micros = $3 WHERE order_id = $1
                )
                INSERT INTO courier_region_stats AS s (courier_id, region, total_micros, deliveries) VALUES ($4, $5, $3, 1)
                ON CONFLICT (courier_id, region) DO UPDATE
                SET total_micros = s.total_micros + excluded.total_micros, deliveries = s.deliveries + 1
                """, Sql.P(orderId), Sql.P(completeTime), Sql.P(delivery), Sql.P(courierId), Sql.P(region)),
        };
        if (next is { } successor)
        {
            var shortened = Micros(successor.CompleteTime - completeTime);
            writes.Add(Sql.BatchCommand(
                """
                WITH shortened AS (
                    UPDATE orders SET delivery_micros = $3 WHERE order_id = $1
                )
                UPDATE courier_region_stats SET total_micros = total_micros + $4 WHERE courier_id = $5 AND region = $2
                """,
                Sql.P(successor.OrderId), Sql.P(successor.Region), Sql.P(shortened), Sql.P(shortened - successor.DeliveryMicros), Sql.P(courierId)));
        }

        if (!othersOpen)
        {
            writes.Add(Bundles.FinishCommand(bundleId, courierId, completeTime));
        }

        await tx.CommitWithAsync(writes, ct);
    }

    /// <summary>
    /// Creates the bundle and assigns <paramref name="ids"/> (ascending) to it. Returns null when every one of
    /// them was still unassigned, else the ids it did get (the caller then rolls back: nothing stays assigned).
    /// </summary>
    /// <remarks>
    /// One UPDATE, no separate locking pass (which cost a quarter of the statement's buffers and WAL). An
    /// order another claim holds is waited for; if that claim commits, the row no longer matches
    /// <c>bundle_id IS NULL</c> and is left out. Rows are taken in primary-key order (the index scan sorts the
    /// id array), so claims cannot wait on each other in a circle; should PostgreSQL still report a deadlock,
    /// it counts as a lost race.
    /// </remarks>
    private static async Task<long[]?> TryCreateBundleAsync(
        NpgsqlConnection connection, long courierId, CourierType type, Instant now, long[] ids, CancellationToken ct)
    {
        await using var command = Sql.Command(connection,
            """
            WITH bundle AS (
                INSERT INTO bundles (courier_id, courier_type, coefficient, assign_time)
                VALUES ($2, $3, $4, $5)
                RETURNING bundle_id
            ), assigned AS (
                UPDATE orders o SET bundle_id = bundle.bundle_id
                FROM bundle WHERE o.order_id = ANY($1) AND o.bundle_id IS NULL
                RETURNING o.order_id
            )
            SELECT array(SELECT order_id FROM assigned)
            """,
            Sql.P(ids), Sql.P(courierId), Sql.P(type), Sql.P(type.Coefficient()), Sql.P(now));
        try
        {
            var assigned = (long[])(await command.ExecuteScalarAsync(ct))!;
            return assigned.Length == ids.Length ? null : assigned;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DeadlockDetected)
        {
            return ids; // a lost race without a known loser: try again, excluding nothing
        }
    }

    private static long Micros(Duration duration) => duration.BclCompatibleTicks / 10;

    private readonly record struct Neighbour(long OrderId, Instant CompleteTime, int Region, long DeliveryMicros)
    {
        /// <summary>The neighbour in columns <paramref name="first"/>.. of the row, or null when there is none.</summary>
        public static Neighbour? Read(NpgsqlDataReader reader, int first) =>
            reader.IsDBNull(first)
                ? null
                : new Neighbour(reader.GetInt64(first), reader.GetInstant(first + 1), reader.GetInt32(first + 2), reader.GetInt64(first + 3));
    }
}
