using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using NodaTime;
using Npgsql;
using NpgsqlTypes;
using SweetsStore.Data.Idempotency;
using SweetsStore.Domain;

namespace SweetsStore.Data;

/// <summary>
/// Assigning bundles and completing orders. Every operation that changes a courier's bundle first locks the
/// courier row (<c>FOR NO KEY UPDATE</c>): assign, complete and PATCH of one courier run one at a time, across
/// all API processes, while different couriers proceed in parallel.
/// </summary>
/// <remarks>
/// With <c>assignBatchMax</c> above 1, assigns without an Idempotency-Key go through one <see cref="AssignQueue"/>
/// per process: concurrent assigns share a transaction (docs/decisions/0016, step 3). 1 assigns each alone.
/// </remarks>
public sealed class DeliveryService(
    NpgsqlDataSource db, IClock clock, int assignBatchMax = 1, ILogger<DeliveryService>? logger = null, int assignBatchesInFlight = 1,
    int completeBatchMax = 1, int completeBatchesInFlight = 3)
{
    // A storm that still loses after this many fresh tries is answered 503 (retry), not looped on forever.
    internal const int MaxAttempts = 30;

    // After this many lost races, wait a little (jittered) before trying again.
    internal const int BackOffAfter = 3;

    private AssignQueue? _queue;
    private CompleteQueue? _completes;

    /// <summary>The process's coalescing queue, or null when assigns run alone (<c>assignBatchMax</c> 1).</summary>
    internal AssignQueue? Queue
    {
        get
        {
            if (assignBatchMax > 1 && _queue is null)
            {
                // Two first callers may both build one; one is kept (a queue holds nothing until it is used).
                Interlocked.CompareExchange(ref _queue, new AssignQueue(this, db, clock, assignBatchMax, assignBatchesInFlight, (ILogger?)logger ?? NullLogger.Instance), null);
            }

            return _queue;
        }
    }

    /// <summary>The process's queue of completes sharing transactions, or null when each runs alone (<c>completeBatchMax</c> 1).</summary>
    internal CompleteQueue? CompleteQueue
    {
        get
        {
            if (completeBatchMax > 1 && _completes is null)
            {
                Interlocked.CompareExchange(
                    ref _completes, new CompleteQueue(this, db, completeBatchMax, completeBatchesInFlight, (ILogger?)logger ?? NullLogger.Instance), null);
            }

            return _completes;
        }
    }

    /// <summary>
    /// What this process's coalescing queues have run: the transactions they started (a batch, or a request run alone)
    /// and the requests those took, for assigns and for completes; zeros while a queue is off or unused. Requests ÷
    /// transactions is what coalescing saves (docs/decisions/0016 step 3, 0017); served as metrics (docs/api.md).
    /// </summary>
    public WriteBatches Batches
    {
        get
        {
            var assigns = _queue?.Seen ?? default;
            var completes = _completes?.Seen ?? default;
            return new WriteBatches(assigns.Batches, assigns.Assigns, completes.Batches, completes.Completes);
        }
    }

    /// <summary>A jittered pause before try <paramref name="attempt"/> + 1, or none in the first few (0005).</summary>
    internal static int BackOffMilliseconds(int attempt) => attempt > BackOffAfter ? Random.Shared.Next(1, 5 * attempt) : 0;

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
    /// With an <paramref name="idempotency"/> hook, each attempt's transaction claims the key first and stores the
    /// answer with the bundle (docs/decisions/0014); a claim refused between two attempts ends the loop.
    /// </remarks>
    public Task<AssignOutcome> AssignAsync(long courierId, IdempotencyHook<AssignOutcome>? idempotency, CancellationToken ct) =>
        idempotency is null && Queue is { } queue
            ? queue.AssignAsync(courierId, ct)
            : AssignAloneAsync(courierId, idempotency, [], 1, ct);

    /// <summary>
    /// Today's path: one transaction per try, from try <paramref name="firstAttempt"/> on, without the orders in
    /// <paramref name="taken"/> (lost to other assigns in earlier tries).
    /// </summary>
    internal async Task<AssignOutcome> AssignAloneAsync(
        long courierId, IdempotencyHook<AssignOutcome>? idempotency, IEnumerable<long> taken, int firstAttempt, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        var lostSoFar = new HashSet<long>(taken);
        for (var attempt = firstAttempt; ; attempt++)
        {
            var (outcome, lost) = await TryAssignAsync(connection, courierId, lostSoFar, idempotency, ct);
            if (outcome is not null)
            {
                return outcome with { Attempts = attempt };
            }

            if (attempt == MaxAttempts)
            {
                throw new ContentionException($"assign for courier {courierId} lost {attempt} races for orders");
            }

            lostSoFar.UnionWith(lost);
            if (BackOffMilliseconds(attempt) is > 0 and var pause)
            {
                await Task.Delay(pause, ct);
            }
        }
    }

    /// <summary>One try in its own transaction: the outcome, or none and the chosen orders another assign took.</summary>
    internal async Task<(AssignOutcome? Outcome, long[] Lost)> TryAssignAsync(
        NpgsqlConnection connection, long courierId, IReadOnlyCollection<long> taken, IdempotencyHook<AssignOutcome>? idempotency,
        CancellationToken ct)
    {
        await using var tx = await connection.BeginTransactionAsync(ct);
        CourierType type;
        int[] regions;
        Schedule hours;

        // The lock and the read are separate statements: after waiting for the lock, the second statement sees
        // what the previous holder committed (a bundle it just created, say). One statement would not.
        await using var read = new NpgsqlBatch(connection, tx)
        {
            BatchCommands =
            {
                Sql.BatchCommand("SELECT 1 FROM couriers WHERE courier_id = $1 FOR NO KEY UPDATE", Sql.P(courierId)),
                Sql.BatchCommand(
                    CourierAndOpenBundle, Sql.P(courierId)),
            },
        };
        if (idempotency is not null)
        {
            read.BatchCommands.Insert(0, idempotency.ClaimCommand());
        }

        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            for (var skip = idempotency is null ? 1 : 2; skip > 0; skip--)
            {
                await reader.NextResultAsync(ct); // the claim's result, the lock's
            }

            if (!await reader.ReadAsync(ct))
            {
                throw new DomainException("courier_id", "no courier has this id");
            }

            if (!reader.IsDBNull(3))
            {
                var open = new AssignOutcome(reader.GetFieldValue<long[]>(4), reader.GetFieldValue<Instant>(3)) { Kind = AssignKind.Repeat };
                if (idempotency is null)
                {
                    return (open, []); // nothing written: the rollback at dispose ends the transaction
                }

                await reader.DisposeAsync();
                await idempotency.SaveAsync(connection, open, ct);
                await tx.CommitAsync(ct);
                idempotency.Committed();
                return (open, []);
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
            var empty = new AssignOutcome([], null);
            if (idempotency is not null)
            {
                await idempotency.SaveAsync(connection, empty, ct);
            }

            await tx.CommitAsync(ct);
            idempotency?.Committed();
            return (empty, []);
        }

        var ids = selection.Orders.Select(o => o.OrderId).Order().ToArray();
        var now = clock.NowToMicroseconds();
        var outcome = new AssignOutcome(ids, now) { Total = selection.Total, Capacity = capacity };

        // The answer goes in the claim's round trip; a lost claim rolls it back with the bundle.
        var claimed = await TryCreateBundleAsync(connection, courierId, type, now, ids, idempotency?.SaveCommand(outcome), ct);
        if (claimed is not null)
        {
            await tx.RollbackAsync(ct);
            return (null, ids.Except(claimed).ToArray());
        }

        await tx.CommitAsync(ct);
        idempotency?.Committed();
        return (outcome, []);
    }

    /// <summary>
    /// Marks an order delivered and keeps the courier's rating sums and earnings current. True when it was delivered
    /// now, false when this courier had delivered it already (nothing changed).
    /// </summary>
    /// <exception cref="DomainException">Unknown courier or order, order not assigned or assigned to another
    /// courier, or a complete time before the bundle's assign time.</exception>
    /// <remarks>
    /// One round trip: BEGIN, the courier lock, <see cref="CompleteSql"/> and COMMIT in one batch. The lock is its own
    /// statement, so the next one's snapshot (taken after the lock) sees every earlier complete of this courier.
    /// <see cref="CompleteSql"/> writes only when the order may be completed now (and finishes the bundle when that
    /// was its last open order) and returns what it found either way; the errors are decided from that here, after a
    /// commit that changed nothing.
    /// With an <paramref name="idempotency"/> hook the batch begins with the key's claim and stores the answer (the
    /// order id) before COMMIT, only when the order is then this courier's and delivered: still one round trip. An error
    /// answer is stored by the caller (it changed nothing).
    /// With <c>completeBatchMax</c> above 1, completes without a key go through the process's
    /// <see cref="Data.CompleteQueue"/>: those arriving while others are in flight share one transaction
    /// (<see cref="CompleteBatch"/>), each with the same statement and answer as alone.
    /// </remarks>
    public Task<bool> CompleteAsync(long courierId, long orderId, Instant completeTime, IdempotencyHook<long>? idempotency, CancellationToken ct) =>
        idempotency is null && CompleteQueue is { } queue
            ? queue.CompleteAsync(courierId, orderId, completeTime, ct)
            : CompleteAloneAsync(courierId, orderId, completeTime, idempotency, ct);

    /// <summary>One complete in its own transaction (see <see cref="CompleteAsync"/>).</summary>
    internal async Task<bool> CompleteAloneAsync(long courierId, long orderId, Instant completeTime, IdempotencyHook<long>? idempotency, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = new PipelinedTransaction(connection);
        bool courierFound;
        Found? found = null;
        NpgsqlBatchCommand[] commands =
        [
            Sql.BatchCommand("SELECT 1 FROM couriers WHERE courier_id = $1 FOR NO KEY UPDATE", Sql.P(courierId)),
            CompleteCommand([new CompleteBatch.Item(courierId, orderId, completeTime)]),
        ];
        var save = idempotency?.SaveCommand(orderId, DeliveredBy, Sql.P(orderId), Sql.P(courierId));
        if (idempotency is not null)
        {
            commands = [idempotency.ClaimCommand(), .. commands, save!];
        }

        await using (var batch = tx.Batch(commit: true, commands))
        await using (var reader = await batch.ExecuteReaderAsync(ct))
        {
            if (idempotency is not null)
            {
                await reader.NextResultAsync(ct); // the claim's result
            }

            courierFound = await reader.ReadAsync(ct);
            await reader.NextResultAsync(ct);
            found = (await ReadCompletedAsync(reader, 1, ct))[0];
            while (await reader.NextResultAsync(ct))
            {
                // the idempotency key's save, if any; then the end of the batch, COMMIT included
            }
        }

        tx.Committed();
        idempotency?.Committed(save!.RecordsAffected == 1);
        if (!courierFound)
        {
            throw new DomainException("courier_id", "no courier has this id");
        }

        return Settle(courierId, orderId, completeTime, found);
    }

    /// <summary>
    /// The statement for <paramref name="items"/> after their couriers' locks, <see cref="CompleteSql"/>: one complete
    /// each, of distinct couriers (a courier's next complete goes in a later statement, which sees this one). Its
    /// result is read by <see cref="ReadCompletedAsync"/>.
    /// </summary>
    internal static NpgsqlBatchCommand CompleteCommand(IReadOnlyList<CompleteBatch.Item> items) =>
        Sql.BatchCommand(CompleteSql,
            Sql.P(items.Select(i => i.CourierId).ToArray()), Sql.P(items.Select(i => i.OrderId).ToArray()),
            Sql.P(items.Select(i => i.CompleteTime).ToArray()), Sql.P(BundleRules.PayUnit));

    /// <summary>
    /// Reads the result of <see cref="CompleteCommand"/> for <paramref name="count"/> completes, the reader at it: what
    /// each order was, in the items' order (null when no order has the id). Leaves the reader on that result.
    /// </summary>
    internal static async Task<Found?[]> ReadCompletedAsync(NpgsqlDataReader reader, int count, CancellationToken ct)
    {
        var found = new Found?[count];
        while (await reader.ReadAsync(ct))
        {
            var n = (int)reader.GetInt64(0) - 1;
            found[n] = reader.GetBoolean(1)
                ? new Found(
                    reader.IsDBNull(2) ? null : reader.GetInt64(2), reader.GetFieldValue<Instant?>(3), reader.IsDBNull(4) ? null : reader.GetInt64(4),
                    reader.GetFieldValue<Instant?>(5), reader.GetBoolean(6))
                : null;
        }

        return found;
    }

    /// <summary>
    /// The answer to a complete of an existing courier, from what <see cref="CompleteSql"/> found: true when delivered
    /// now, false when this courier had delivered it already.
    /// </summary>
    /// <exception cref="DomainException">Unknown order, order not assigned or another courier's, or a complete time
    /// before the bundle's assign time.</exception>
    internal static bool Settle(long courierId, long orderId, Instant completeTime, Found? found)
    {
        var order = found ?? throw new DomainException("order_id", "no order has this id");
        if (order.BundleId is null)
        {
            throw new DomainException("order_id", "is not assigned to a courier");
        }

        if (order.CourierId != courierId)
        {
            throw new DomainException("order_id", "is assigned to another courier");
        }

        if (order.CompleteTime is not null)
        {
            return false; // Already delivered by this courier: the first complete time stays.
        }

        if (completeTime < order.AssignTime)
        {
            throw new DomainException("complete_time", $"is earlier than the bundle's assign_time {NodaTime.Text.InstantPattern.ExtendedIso.Format(order.AssignTime.Value)}");
        }

        if (!order.Completed)
        {
            throw new InvalidOperationException($"order {orderId} passed every check but was not completed");
        }

        return true;
    }

    /// <summary>
    /// A courier's type, regions and hours, and its open bundle's assign time and open orders (by id): what an assign
    /// (and the assignment preview, which must read what an assign would) decides from.
    /// </summary>
    internal const string CourierAndOpenBundle =
        """
        SELECT c.courier_type, c.regions, c.working_hours, b.assign_time,
               array(SELECT o.order_id FROM orders o
                     WHERE o.bundle_id = b.bundle_id AND o.complete_time IS NULL ORDER BY o.order_id)
        FROM couriers c
        LEFT JOIN bundles b ON b.courier_id = c.courier_id AND b.finished_at IS NULL
        WHERE c.courier_id = $1
        """;

    /// <summary>The condition for storing a complete's answer: order $8 is delivered, in a bundle of courier $9.</summary>
    private const string DeliveredBy =
        "EXISTS (SELECT 1 FROM orders o JOIN bundles b ON b.bundle_id = o.bundle_id WHERE o.order_id = $8 AND b.courier_id = $9 AND o.complete_time IS NOT NULL)";

    /// <summary>
    /// For each n, completes order $2[n] of courier $1[n] at $3[n] when it is that courier's, still open and $3[n] is
    /// not before its bundle's assign time, and finishes the bundle when that was its last open order; yields, by n,
    /// whether the order exists and what it was (bundle, complete time, courier, assign time) and whether it was
    /// completed now. The couriers of one statement are distinct and locked by the caller.
    /// </summary>
    /// <remarks>
    /// Delivery time = complete time − the previous delivery of the bundle (or the assign time). A completion
    /// that lands between two earlier ones also shortens its successor's delivery time. Both go into the
    /// courier's per-region sums: a statement may change a row only once, so a successor in the same region
    /// adds its (negative) change to the delivery's upsert (the sum is then unchanged: the new delivery time is
    /// what the successor lost), and one in another region is an UPDATE of its own (its row exists: it was
    /// delivered; an upsert would check the negative change as a new row first). Times have at most
    /// microseconds, so the differences are exact.
    /// The finish applies <see cref="BundleRules.IsFinished"/> and <see cref="BundleRules.Pay"/> as
    /// <c>Bundles.FinishAsync</c> does (the PATCH's finish), seen from this statement's snapshot, taken before its own
    /// updates: the bundle's open orders other than this one (none left: finished), its latest delivery or this one
    /// for <c>finished_at</c>, and pay $4 × C (<see cref="BundleRules.PayUnit"/>), since this delivery is one. Only a
    /// complete that delivers finishes: an open bundle always has an open order (an assign creates it with its orders;
    /// the last complete, or a PATCH that leaves none, finishes it in the same transaction).
    /// Everything a complete writes (its order and its successor, its bundle, its courier's sums and earnings)
    /// belongs to its courier, so completes of distinct couriers in one statement touch disjoint rows and each
    /// behaves as alone; a complete that reads another courier's order is refused whatever that order's state.
    /// The finish and the moved sums run behind one-time filters (nothing is scanned unless a bundle finishes or a
    /// delivery lands before another region's) and find their rows by key, courier first, so that no plan PostgreSQL
    /// caches scans in the common case. One execution per round of a batch instead of two statements per complete:
    /// docs/decisions/0017, *One statement per batch*.
    /// </remarks>
    private const string CompleteSql =
        """
        WITH req AS (
            SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::timestamptz[]) WITH ORDINALITY AS r(courier_id, order_id, at, n)
        ), target AS (
            SELECT r.n, r.courier_id AS asked, r.at, o.order_id, o.bundle_id, o.region, o.complete_time, b.courier_id, b.assign_time
            FROM req r JOIN orders o ON o.order_id = r.order_id LEFT JOIN bundles b ON b.bundle_id = o.bundle_id
        ), ok AS (
            SELECT t.n, t.asked, t.at, t.order_id, t.bundle_id, t.region,
                   coalesce((SELECT x.complete_time FROM orders x
                             WHERE x.bundle_id = t.bundle_id AND (x.complete_time, x.order_id) < (t.at, t.order_id)
                             ORDER BY x.complete_time DESC, x.order_id DESC LIMIT 1), t.assign_time) AS since
            FROM target t
            WHERE t.courier_id = t.asked AND t.complete_time IS NULL AND t.assign_time <= t.at
        ), successor AS (
            SELECT ok.n, x.order_id, x.region, x.delivery_micros AS was, (extract(epoch FROM x.complete_time - ok.at) * 1000000)::bigint AS now
            FROM ok CROSS JOIN LATERAL (
                SELECT x.order_id, x.region, x.complete_time, x.delivery_micros FROM orders x
                WHERE x.bundle_id = ok.bundle_id AND (x.complete_time, x.order_id) > (ok.at, ok.order_id)
                ORDER BY x.complete_time, x.order_id LIMIT 1
            ) x
        ), delivered AS (
            UPDATE orders o SET complete_time = ok.at, delivery_micros = (extract(epoch FROM ok.at - ok.since) * 1000000)::bigint
            FROM ok WHERE o.order_id = ok.order_id
            RETURNING ok.n, ok.asked, ok.at, o.order_id, o.bundle_id, o.region, o.delivery_micros
        ), shortened AS (
            UPDATE orders o SET delivery_micros = s.now FROM successor s WHERE o.order_id = s.order_id
        ), delivery AS (
            INSERT INTO courier_region_stats AS s (courier_id, region, total_micros, deliveries)
            SELECT d.asked, d.region, d.delivery_micros + coalesce((SELECT x.now - x.was FROM successor x WHERE x.n = d.n AND x.region = d.region), 0), 1
            FROM delivered d
            ON CONFLICT (courier_id, region) DO UPDATE
            SET total_micros = s.total_micros + excluded.total_micros, deliveries = s.deliveries + 1
        ), shift AS (
            SELECT d.asked, x.region, x.now - x.was AS diff FROM successor x JOIN delivered d ON d.n = x.n WHERE x.region <> d.region
        ), moved AS (
            UPDATE courier_region_stats s SET total_micros = s.total_micros + m.diff
            FROM shift m
            WHERE EXISTS (SELECT 1 FROM shift) -- a one-time filter: no scan at all without a successor in another region
              AND s.courier_id = ANY (ARRAY(SELECT h.asked FROM shift h)) AND s.courier_id = m.asked AND s.region = m.region
        ), finishing AS (
            SELECT d.asked, d.bundle_id, d.at FROM delivered d
            WHERE NOT EXISTS (SELECT 1 FROM orders x WHERE x.bundle_id = d.bundle_id AND x.complete_time IS NULL AND x.order_id <> d.order_id)
        ), finished AS (
            UPDATE bundles b
            SET finished_at = greatest((SELECT f.at FROM finishing f WHERE f.bundle_id = b.bundle_id), b.assign_time,
                                       (SELECT max(x.complete_time) FROM orders x WHERE x.bundle_id = b.bundle_id)),
                earnings = $4 * b.coefficient
            -- courier_id first, as in Bundles.FinishBundleSql: probes of ux_bundles_open_per_courier whatever the
            -- statistics say (with bundle_id alone the planner walked that whole index filtering on it: 3,973 buffers)
            WHERE EXISTS (SELECT 1 FROM finishing) -- a one-time filter: no scan at all unless a bundle finishes
              AND b.courier_id = ANY (ARRAY(SELECT f.asked FROM finishing f)) AND b.finished_at IS NULL
              AND b.bundle_id = ANY (ARRAY(SELECT f.bundle_id FROM finishing f))
            RETURNING b.courier_id, b.earnings
        ), paid AS (
            UPDATE couriers c SET earnings = c.earnings + f.earnings FROM finished f WHERE c.courier_id = f.courier_id
        )
        SELECT r.n, t.order_id IS NOT NULL, t.bundle_id, t.complete_time, t.courier_id, t.assign_time,
               EXISTS (SELECT 1 FROM delivered d WHERE d.n = r.n)
        FROM req r LEFT JOIN target t ON t.n = r.n
        ORDER BY r.n
        """;

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
        NpgsqlConnection connection, long courierId, CourierType type, Instant now, long[] ids, NpgsqlBatchCommand? alongside,
        CancellationToken ct)
    {
        await using var command = new NpgsqlBatch(connection);
        command.BatchCommands.Add(Sql.BatchCommand(
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
            Sql.P(ids), Sql.P(courierId), Sql.P(type), Sql.P(type.Coefficient()), Sql.P(now)));
        if (alongside is not null)
        {
            command.BatchCommands.Add(alongside);
        }

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

    /// <summary>The order a complete found: its bundle, complete time, the bundle's courier and assign time, and whether it was completed now.</summary>
    internal readonly record struct Found(long? BundleId, Instant? CompleteTime, long? CourierId, Instant? AssignTime, bool Completed);
}
