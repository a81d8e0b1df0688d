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
        var read = new PoolRead(regions, capacity, hours, excluded);
        await read.ReadOnAsync(connection, ct);

        return read.Candidates;
    }

    internal static string Text(IReadOnlyCollection<long> excluded) => excluded.Count > 0 ? CandidatesExcludingSql : CandidatesSql;

    /// <summary>The parameters of <see cref="CandidatesSql"/> (and, with <paramref name="excluded"/>, of its excluding form).</summary>
    internal static NpgsqlParameter[] Parameters(
        int[] regions, int[] lightest, int heaviest, NpgsqlRange<int>[] hours, int limit, IReadOnlyCollection<long> excluded) =>
        excluded.Count > 0
            ? [Sql.P(regions), Sql.P(heaviest), Sql.P(hours, NpgsqlDbType.IntegerMultirange), Sql.P(limit), Sql.P(lightest), Sql.P(excluded.ToArray())]
            : [Sql.P(regions), Sql.P(heaviest), Sql.P(hours, NpgsqlDbType.IntegerMultirange), Sql.P(limit), Sql.P(lightest)];

    // Per region $1[i]: the lightest orders first, from weight $5[i] (0 on a first read; where the previous read of that
    // region stopped on a later one) to $2 (the capacity; on a read that knows the cut-off, the heaviest useful weight),
    // at most $4 (the LIMIT), without the orders of $6 in the second form.
    // The bench times and explains this same statement (bench/SweetsStore.Bench/Data/Db.cs).
    internal const string CandidatesSql =
        """
        SELECT r.region, p.order_id, p.weight_cg, p.seq
        FROM unnest($1::int[], $5::int[]) AS r(region, lightest)
        CROSS JOIN LATERAL (
            SELECT o.order_id, o.weight_cg, o.seq
            FROM orders o
            WHERE o.region = r.region AND o.bundle_id IS NULL AND o.weight_cg >= r.lightest AND o.weight_cg <= $2
              AND o.delivery && $3
            ORDER BY o.weight_cg, o.seq
            LIMIT $4
        ) p
        """;

    private const string CandidatesExcludingSql =
        """
        SELECT r.region, p.order_id, p.weight_cg, p.seq
        FROM unnest($1::int[], $5::int[]) AS r(region, lightest)
        CROSS JOIN LATERAL (
            SELECT o.order_id, o.weight_cg, o.seq
            FROM orders o
            WHERE o.region = r.region AND o.bundle_id IS NULL AND o.weight_cg >= r.lightest AND o.weight_cg <= $2
              AND o.delivery && $3 AND o.order_id <> ALL($6)
            ORDER BY o.weight_cg, o.seq
            LIMIT $4
        ) p
        """;
}
