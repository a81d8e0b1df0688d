using NodaTime;
using Npgsql;
using NpgsqlTypes;
using SweetsStore.Domain;

namespace SweetsStore.Data;

/// <summary>
/// One transaction for several couriers' assigns (<see cref="AssignQueue"/>; docs/decisions/0016, step 3). Each
/// courier gets what the same assigns one after another, in the batch's order, would give; one that lost some of its
/// orders to another process's claim is settled alone (its partial claim undone), never the batch.
/// </summary>
internal static class AssignBatch
{
    /// <summary>
    /// A courier's end in a batch: an answer, or the orders it lost to another claim (try again), or an error; or none
    /// of these when its row was locked by another transaction (a complete, a PATCH, another process's assign): then
    /// it is assigned alone, waiting for that lock on a connection of its own, as today.
    /// </summary>
    public readonly record struct Settlement(AssignOutcome? Outcome, long[]? Lost, Exception? Error)
    {
        public bool Busy => Outcome is null && Lost is null && Error is null;
    }

    /// <summary>
    /// Locks the couriers in id order, skipping those another transaction holds (one statement), then reads them and
    /// their open bundles (another, after the lock, 0005); reads every remaining courier's candidates (<see cref="Pool"/>),
    /// half of them in this transaction and half at the same time on a second connection of <paramref name="readers"/>
    /// (one round trip each; deeper reads in further round trips); chooses per courier in the batch's order without the
    /// orders earlier couriers chose; claims everything in one statement; undoes the claims of couriers that lost
    /// orders; commits.
    /// </summary>
    /// <remarks>
    /// <paramref name="batch"/> holds distinct couriers. Throws only for what is not a courier's own answer (the
    /// connection, a deadlock): then nothing was committed, or — when COMMIT itself failed — possibly everything,
    /// which the caller's fallback (each courier alone, today's path) answers correctly either way: a committed
    /// bundle is then the courier's open one.
    /// </remarks>
    /// <param name="readers">Where the second half of the candidate reads gets its connection (the primary's pool).</param>
    /// <param name="othersChose">Orders chosen by batches of this process still in flight: left out as if claimed.</param>
    /// <param name="chosen">Told this batch's choices before its claim (the next batch may then start choosing).</param>
    public static async Task<Settlement[]> RunAsync(
        NpgsqlConnection connection, NpgsqlDataSource readers, IClock clock, IReadOnlyList<AssignQueue.Waiter> batch,
        IReadOnlySet<long> othersChose, Action<IReadOnlyCollection<long>> chosen)
    {
        var settled = new Settlement[batch.Count];
        var couriers = new Dictionary<long, Courier>(batch.Count);
        var locked = new HashSet<long>(batch.Count);
        await using var tx = await connection.BeginTransactionAsync();
        await using (var read = new NpgsqlBatch(connection, tx)
        {
            BatchCommands =
            {
                Sql.BatchCommand(LockCouriers, Sql.P(batch.Select(w => w.CourierId).ToArray())),
                Sql.BatchCommand(CouriersAndOpenBundles, Sql.P(batch.Select(w => w.CourierId).ToArray())),
            },
        })
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                locked.Add(reader.GetInt64(0));
            }

            await reader.NextResultAsync();
            while (await reader.ReadAsync())
            {
                var id = reader.GetInt64(0);
                couriers[id] = reader.IsDBNull(4)
                    ? new Courier(reader.GetCourierType(1), reader.GetFieldValue<int[]>(2).Distinct().ToArray(),
                        Sql.Multirange(Sql.ParseSchedule(reader.GetFieldValue<string[]>(3))), null)
                    : new Courier(default, [], [], new AssignOutcome(reader.GetFieldValue<long[]>(5), reader.GetFieldValue<Instant>(4)) { Kind = AssignKind.Repeat });
            }
        }

        var reads = new Read?[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            if (!couriers.TryGetValue(batch[i].CourierId, out var courier))
            {
                // Not even read: no such courier (one that was locked is still read: locks do not hide rows).
                settled[i] = new Settlement(null, null, new DomainException("courier_id", "no courier has this id"));
            }
            else if (!locked.Contains(batch[i].CourierId))
            {
                // Another transaction holds this courier: the batch does not wait for it (nor make everyone else wait).
                settled[i] = default;
            }
            else if (courier.Open is not null)
            {
                settled[i] = new Settlement(courier.Open, null, null);
            }
            else
            {
                reads[i] = new Read(courier, new PoolRead(courier.Regions, courier.Type.Capacity(), courier.Hours, batch[i].Taken));
            }
        }

        var pendingReads = Enumerable.Range(0, batch.Count).Where(i => reads[i] is not null).ToList();
        if (pendingReads.Count >= 2)
        {
            // Two backends read at once: the reads are most of a batch's time before it chooses, and batches choose one
            // at a time (docs/decisions/0016, "Split candidate reads"). Read committed: a statement on another
            // connection sees what one in this transaction would (the batch has written nothing yet; its courier locks
            // hide no rows); the claim re-checks every order as before.
            var half = pendingReads.Count / 2;
            await using var other = await readers.OpenConnectionAsync();
            await Task.WhenAll(
                ReadCandidatesAsync(connection, tx, reads, pendingReads[..half]),
                ReadCandidatesAsync(other, null, reads, pendingReads[half..]));
        }
        else
        {
            await ReadCandidatesAsync(connection, tx, reads, pendingReads);
        }

        // In the batch's order, as one assign after another would: without the orders the earlier ones chose.
        var skip = new HashSet<long>(othersChose);
        var mine = new List<long>();
        var claims = new List<(int Index, long[] Ids, Selection Selection, CourierType Type)>();
        for (var i = 0; i < batch.Count; i++)
        {
            if (reads[i] is not { } read)
            {
                continue;
            }

            if (batch[i].Ct.IsCancellationRequested)
            {
                settled[i] = new Settlement(null, null, new OperationCanceledException(batch[i].Ct)); // nothing chosen for it
                continue;
            }

            var capacity = read.Courier.Type.Capacity();
            if (skip.Count > 0 && read.Pool.Exclude(skip))
            {
                // The earlier couriers took some of the read's rows: a best bundle may now lie beyond it; read on there.
                await read.Pool.ReadOnAsync(connection, CancellationToken.None);
            }

            var selection = AssignmentEngine.Choose(read.Pool.Candidates, capacity);
            if (selection.Orders.Count == 0)
            {
                settled[i] = new Settlement(new AssignOutcome([], null), null, null);
                continue;
            }

            var ids = selection.Orders.Select(o => o.OrderId).Order().ToArray();
            skip.UnionWith(ids);
            mine.AddRange(ids);
            claims.Add((i, ids, selection, read.Courier.Type));
        }

        chosen(mine);
        if (claims.Count > 0)
        {
            await ClaimAsync(connection, tx, clock.NowToMicroseconds(), batch, claims, settled);
        }

        await tx.CommitAsync();
        return settled;
    }

    /// <summary>The candidate reads of <paramref name="pending"/> in one round trip; the few that must read on, in the next.</summary>
    private static async Task ReadCandidatesAsync(NpgsqlConnection connection, NpgsqlTransaction? tx, Read?[] reads, List<int> pending)
    {
        while (pending.Count > 0)
        {
            await using (var command = new NpgsqlBatch(connection, tx))
            {
                foreach (var i in pending)
                {
                    command.BatchCommands.Add(reads[i]!.Pool.BatchCommand());
                }

                await using var reader = await command.ExecuteReaderAsync();
                var first = true;
                foreach (var i in pending)
                {
                    if (!first)
                    {
                        await reader.NextResultAsync();
                    }

                    first = false;
                    await reads[i]!.Pool.TakeAsync(reader, CancellationToken.None);
                }
            }

            pending = pending.FindAll(i => !reads[i]!.Pool.Done);
        }
    }

    /// <summary>
    /// One statement inserts every bundle and claims every chosen order (<c>WHERE bundle_id IS NULL</c>, as 0005);
    /// a courier that got fewer than it chose has its bundle and partial claim undone by a second (only then).
    /// </summary>
    private static async Task ClaimAsync(
        NpgsqlConnection connection, NpgsqlTransaction tx, Instant now, IReadOnlyList<AssignQueue.Waiter> batch,
        List<(int Index, long[] Ids, Selection Selection, CourierType Type)> claims, Settlement[] settled)
    {
        var orders = claims.SelectMany(c => c.Ids.Select(id => (Order: id, Courier: batch[c.Index].CourierId))).OrderBy(x => x.Order).ToArray();
        var got = new Dictionary<long, (long Bundle, long[] Claimed)>(claims.Count);
        await using (var command = new NpgsqlBatch(connection, tx)
        {
            BatchCommands =
            {
                Sql.BatchCommand(
                    ClaimSql,
                    Sql.P(claims.Select(c => batch[c.Index].CourierId).ToArray()),
                    Sql.P(claims.Select(c => c.Type.ToContractName()).ToArray()),
                    Sql.P(claims.Select(c => c.Type.Coefficient()).ToArray()),
                    Sql.P(now),
                    Sql.P(orders.Select(o => o.Order).ToArray()),
                    Sql.P(orders.Select(o => o.Courier).ToArray())),
            },
        })
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                got[reader.GetInt64(0)] = (reader.GetInt64(1), reader.GetFieldValue<long[]>(2));
            }
        }

        var undo = new List<long>();
        foreach (var (index, ids, selection, type) in claims)
        {
            var (bundle, claimed) = got[batch[index].CourierId];
            if (claimed.Length == ids.Length)
            {
                settled[index] = new Settlement(
                    new AssignOutcome(ids, now) { Total = selection.Total, Capacity = type.Capacity() }, null, null);
            }
            else
            {
                undo.Add(bundle);
                settled[index] = new Settlement(null, ids.Except(claimed).ToArray(), null);
            }
        }

        if (undo.Count > 0)
        {
            await using var release = new NpgsqlBatch(connection, tx)
            {
                BatchCommands =
                {
                    Sql.BatchCommand(ReleaseSql, Sql.P(undo.ToArray())),
                    Sql.BatchCommand(DropBundlesSql, Sql.P(undo.ToArray())),
                },
            };
            await release.ExecuteNonQueryAsync();
        }
    }

    /// <summary>
    /// Locks those couriers of $1 that no other transaction holds, and yields them. A batch never waits for a courier:
    /// one held by a complete, a PATCH or another process's assign would otherwise hold up every assign in the queue.
    /// </summary>
    private const string LockCouriers = "SELECT courier_id FROM couriers WHERE courier_id = ANY($1) ORDER BY courier_id FOR NO KEY UPDATE SKIP LOCKED";

    /// <summary><see cref="DeliveryService.CourierAndOpenBundle"/> for every courier of $1, each row led by its id.</summary>
    private const string CouriersAndOpenBundles =
        """
        SELECT c.courier_id, c.courier_type, c.regions, c.working_hours, b.assign_time,
               array(SELECT o.order_id FROM orders o
                     WHERE o.bundle_id = b.bundle_id AND o.complete_time IS NULL ORDER BY o.order_id)
        FROM couriers c
        LEFT JOIN bundles b ON b.courier_id = c.courier_id AND b.finished_at IS NULL
        WHERE c.courier_id = ANY($1)
        """;

    /// <summary>
    /// Inserts a bundle for each courier of $1 (types $2, coefficients $3, assigned at $4) and gives each order of $5
    /// (ascending) the bundle of courier $6 (the same position) if it is still unassigned. Yields per bundle its
    /// courier, id and the orders it got.
    /// </summary>
    /// <remarks>
    /// The orders drive the UPDATE (a nested loop over the ascending $5 into the primary key; the bundle is looked up
    /// per row), so rows are locked in id order like the single claim's (0005): claims never wait in a circle.
    /// </remarks>
    private const string ClaimSql =
        """
        WITH bundle AS (
            INSERT INTO bundles (courier_id, courier_type, coefficient, assign_time)
            SELECT c.courier_id, c.courier_type, c.coefficient, $4
            FROM unnest($1::bigint[], $2::text[], $3::int[]) AS c(courier_id, courier_type, coefficient)
            RETURNING bundle_id, courier_id
        ), assigned AS (
            UPDATE orders o SET bundle_id = (SELECT b.bundle_id FROM bundle b WHERE b.courier_id = m.courier_id)
            FROM unnest($5::bigint[], $6::bigint[]) AS m(order_id, courier_id)
            WHERE o.order_id = m.order_id AND o.bundle_id IS NULL
            RETURNING o.order_id, m.courier_id
        )
        SELECT b.courier_id, b.bundle_id, array(SELECT a.order_id FROM assigned a WHERE a.courier_id = b.courier_id ORDER BY a.order_id)
        FROM bundle b
        """;

    /// <summary>Gives the orders of bundles $1 (claims that lost a race) back to the pool.</summary>
    private const string ReleaseSql = "UPDATE orders SET bundle_id = NULL WHERE bundle_id = ANY($1)";

    /// <summary>Deletes bundles $1 (emptied by <see cref="ReleaseSql"/> in the same transaction).</summary>
    private const string DropBundlesSql = "DELETE FROM bundles WHERE bundle_id = ANY($1)";

    private sealed record Courier(CourierType Type, int[] Regions, NpgsqlRange<int>[] Hours, AssignOutcome? Open);

    private sealed record Read(Courier Courier, PoolRead Pool);
}
