using Npgsql;
using NpgsqlTypes;
using SweetsStore.Domain;

namespace SweetsStore.Data;

/// <summary>
/// Reads the candidate orders for one courier: unassigned, in its regions, weight within capacity, delivery
/// hours intersecting its working hours. It reads only what the <see cref="AssignmentEngine"/> can use:
/// per region the lightest orders first (walking <c>ix_orders_pool</c> with a LIMIT), so the cost follows the
/// bundle, not the size of the pool.
/// </summary>
internal static class Pool
{
    /// <summary>
    /// Every candidate the engine could put into a best bundle (and possibly a few more), excluding
    /// <paramref name="excluded"/>. Locks nothing.
    /// </summary>
    /// <remarks>
    /// It runs on every assign: the rows go straight into the list the engine takes, and each region's count and
    /// heaviest row are kept while reading, instead of grouping the rows afterwards (docs/decisions/0016, "The API's
    /// CPU per assign").
    /// </remarks>
    public static async Task<List<Candidate>> ReadAsync(
        NpgsqlConnection connection, int[] regions, Weight capacity, NpgsqlRange<int>[] hours, IReadOnlyCollection<long> excluded,
        CancellationToken ct)
    {
        var limit = AssignmentEngine.FirstReadPerRegion(capacity); // grown ×4 until the engine's cut-off is inside the read
        var read = new PerRegion[regions.Length];
        while (true)
        {
            Array.Clear(read);
            List<Candidate> rows;
            await using (var command = Sql.Command(connection, Text(excluded), Parameters(regions, capacity, hours, excluded, limit)))
            await using (var reader = await command.ExecuteReaderAsync(ct))
            {
                rows = await RowsAsync(reader, regions, limit, read, ct);
            }

            var horizon = BelowHorizon(rows, read, limit);
            if (Enough(rows, horizon, capacity))
            {
                return rows;
            }

            limit = checked(limit * 4);
        }
    }

    /// <summary>One read of the pool, <paramref name="limit"/> rows per region, as a command of a batch (several couriers' reads share a round trip).</summary>
    internal static NpgsqlBatchCommand QueryCommand(
        int[] regions, Weight capacity, NpgsqlRange<int>[] hours, IReadOnlyCollection<long> excluded, int limit) =>
        Sql.BatchCommand(Text(excluded), Parameters(regions, capacity, hours, excluded, limit));

    /// <summary>
    /// The rows of one read (the reader positioned on its result) in the order read; <paramref name="read"/>[i] (cleared
    /// by the caller) counts region i's rows and its heaviest.
    /// </summary>
    internal static async Task<List<Candidate>> RowsAsync(
        NpgsqlDataReader reader, int[] regions, int limit, PerRegion[] read, CancellationToken ct)
    {
        var rows = new List<Candidate>(Math.Min(regions.Length * limit, 4096));
        var at = 0; // the region of the previous row: rows come region by region, but nothing depends on it
        while (await reader.ReadAsync(ct))
        {
            var region = reader.GetInt32(0);
            if (regions[at] != region)
            {
                at = Array.IndexOf(regions, region);
            }

            var weight = reader.GetInt32(2);
            rows.Add(new Candidate(reader.GetInt64(1), Weight.FromHundredthsOfKg(weight), reader.GetInt64(3)));
            read[at] = new PerRegion(read[at].Rows + 1, Math.Max(read[at].Heaviest, weight));
        }

        return rows;
    }

    /// <summary>
    /// Keeps of <paramref name="rows"/> (a read with <paramref name="limit"/> rows per region) those below its horizon
    /// and returns the horizon: a region that returned <paramref name="limit"/> rows may hold more, all at least as heavy
    /// as its last row; below the lightest such "last row" (<see cref="int.MaxValue"/> when no region was cut) the read
    /// is complete in every region.
    /// </summary>
    internal static int BelowHorizon(List<Candidate> rows, PerRegion[] read, int limit)
    {
        var horizon = int.MaxValue;
        foreach (var region in read)
        {
            if (region.Rows >= limit)
            {
                horizon = Math.Min(horizon, region.Heaviest);
            }
        }

        if (horizon != int.MaxValue)
        {
            rows.RemoveAll(r => r.Weight.HundredthsOfKg >= horizon);
        }

        return horizon;
    }

    /// <summary>Whether <paramref name="complete"/> (every candidate below <paramref name="horizon"/>) holds every order a best bundle can use.</summary>
    internal static bool Enough(List<Candidate> complete, int horizon, Weight capacity)
    {
        if (horizon == int.MaxValue)
        {
            return true;
        }

        var weights = new int[complete.Count];
        for (var i = 0; i < weights.Length; i++)
        {
            weights[i] = complete[i].Weight.HundredthsOfKg;
        }

        Array.Sort(weights);
        return AssignmentEngine.TryFindCutoff(weights, capacity, out _, out var heaviestUseful) && heaviestUseful < horizon;
    }

    private static string Text(IReadOnlyCollection<long> excluded) => excluded.Count > 0 ? CandidatesExcludingSql : CandidatesSql;

    private static NpgsqlParameter[] Parameters(
        int[] regions, Weight capacity, NpgsqlRange<int>[] hours, IReadOnlyCollection<long> excluded, int limit) =>
        excluded.Count > 0
            ? [Sql.P(regions), Sql.P(capacity.HundredthsOfKg), Sql.P(hours, NpgsqlDbType.IntegerMultirange), Sql.P(limit), Sql.P(excluded.ToArray())]
            : [Sql.P(regions), Sql.P(capacity.HundredthsOfKg), Sql.P(hours, NpgsqlDbType.IntegerMultirange), Sql.P(limit)];

    // Per region: the lightest orders first, at most $4 (the LIMIT), without the orders of $5 in the second form.
    // The bench times and explains this same statement (bench/SweetsStore.Bench/Data/Db.cs).
    internal const string CandidatesSql =
        """
        SELECT r.region, p.order_id, p.weight_cg, p.seq
        FROM unnest($1::int[]) AS r(region)
        CROSS JOIN LATERAL (
            SELECT o.order_id, o.weight_cg, o.seq
            FROM orders o
            WHERE o.region = r.region AND o.bundle_id IS NULL AND o.weight_cg <= $2 AND o.delivery && $3
            ORDER BY o.weight_cg, o.seq
            LIMIT $4
        ) p
        """;

    private const string CandidatesExcludingSql =
        """
        SELECT r.region, p.order_id, p.weight_cg, p.seq
        FROM unnest($1::int[]) AS r(region)
        CROSS JOIN LATERAL (
            SELECT o.order_id, o.weight_cg, o.seq
            FROM orders o
            WHERE o.region = r.region AND o.bundle_id IS NULL AND o.weight_cg <= $2 AND o.delivery && $3
              AND o.order_id <> ALL($5)
            ORDER BY o.weight_cg, o.seq
            LIMIT $4
        ) p
        """;

    /// <summary>How many rows a region returned, and the heaviest of them.</summary>
    internal readonly record struct PerRegion(int Rows, int Heaviest);
}
