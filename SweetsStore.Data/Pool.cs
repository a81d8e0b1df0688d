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
    public static async Task<List<Candidate>> ReadAsync(
        NpgsqlConnection connection, int[] regions, Weight capacity, NpgsqlRange<int>[] hours, IReadOnlyCollection<long> excluded,
        CancellationToken ct)
    {
        var limit = AssignmentEngine.FirstReadPerRegion(capacity); // grown ×4 until the engine's cut-off is inside the read
        while (true)
        {
            var rows = await QueryAsync(connection, regions, capacity, hours, excluded, limit, ct);
            var (complete, horizon) = BelowHorizon(rows, limit);
            if (Enough(complete, horizon, capacity))
            {
                return complete;
            }

            limit = checked(limit * 4);
        }
    }

    /// <summary>
    /// The rows of a read with <paramref name="limit"/> rows per region that are below its horizon: a region that
    /// returned <paramref name="limit"/> rows may hold more, all at least as heavy as its last row; below the lightest
    /// such "last row" (the horizon; <see cref="int.MaxValue"/> when no region was cut) the read is complete in every region.
    /// </summary>
    internal static (List<Candidate> Complete, int Horizon) BelowHorizon(List<(int Region, Candidate Candidate)> rows, int limit)
    {
        var horizon = int.MaxValue;
        foreach (var group in rows.GroupBy(r => r.Region))
        {
            if (group.Count() >= limit)
            {
                horizon = Math.Min(horizon, group.Max(r => r.Candidate.Weight.HundredthsOfKg));
            }
        }

        return (rows.Where(r => r.Candidate.Weight.HundredthsOfKg < horizon).Select(r => r.Candidate).ToList(), horizon);
    }

    /// <summary>Whether <paramref name="complete"/> (every candidate below <paramref name="horizon"/>) holds every order a best bundle can use.</summary>
    internal static bool Enough(List<Candidate> complete, int horizon, Weight capacity)
    {
        if (horizon == int.MaxValue)
        {
            return true;
        }

        var weights = complete.Select(c => c.Weight.HundredthsOfKg).Order().ToArray();
        return AssignmentEngine.TryFindCutoff(weights, capacity, out _, out var heaviestUseful) && heaviestUseful < horizon;
    }

    private static async Task<List<(int Region, Candidate Candidate)>> QueryAsync(
        NpgsqlConnection connection, int[] regions, Weight capacity, NpgsqlRange<int>[] hours, IReadOnlyCollection<long> excluded,
        int limit, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(connection) { BatchCommands = { QueryCommand(regions, capacity, hours, excluded, limit) } };
        await using var reader = await batch.ExecuteReaderAsync(ct);
        return await RowsAsync(reader, ct);
    }

    /// <summary>One read of the pool, <paramref name="limit"/> rows per region, as a command of a batch (several couriers' reads share a round trip).</summary>
    internal static NpgsqlBatchCommand QueryCommand(
        int[] regions, Weight capacity, NpgsqlRange<int>[] hours, IReadOnlyCollection<long> excluded, int limit)
    {
        var sql =
            $"""
            SELECT r.region, p.order_id, p.weight_cg, p.seq
            FROM unnest($1::int[]) AS r(region)
            CROSS JOIN LATERAL (
                SELECT o.order_id, o.weight_cg, o.seq
                FROM orders o
                WHERE o.region = r.region AND o.bundle_id IS NULL AND o.weight_cg <= $2 AND o.delivery && $3
                  {(excluded.Count > 0 ? "AND o.order_id <> ALL($5)" : "")}
                ORDER BY o.weight_cg, o.seq
                LIMIT $4
            ) p
            """;
        var command = Sql.BatchCommand(sql,
            Sql.P(regions), Sql.P(capacity.HundredthsOfKg), Sql.P(hours, NpgsqlDbType.IntegerMultirange), Sql.P(limit));
        if (excluded.Count > 0)
        {
            command.Parameters.Add(Sql.P(excluded.ToArray()));
        }

        return command;
    }

    /// <summary>The rows of one <see cref="QueryCommand"/>'s result (the reader positioned on it).</summary>
    internal static async Task<List<(int Region, Candidate Candidate)>> RowsAsync(NpgsqlDataReader reader, CancellationToken ct)
    {
        var rows = new List<(int, Candidate)>();
        while (await reader.ReadAsync(ct))
        {
            rows.Add((reader.GetInt32(0), new Candidate(reader.GetInt64(1), Weight.FromHundredthsOfKg(reader.GetInt32(2)), reader.GetInt64(3))));
        }

        return rows;
    }
}
