using System.Data;
using NodaTime;
using Npgsql;
using SweetsStore.Domain;

namespace SweetsStore.Data;

/// <summary>An order as the preview shows it.</summary>
public readonly record struct PreviewOrder(long OrderId, Weight Weight, int Region);

/// <summary>
/// Pending orders an assign would not hand out, each counted once, by the first reason that applies in this order:
/// not in one of the courier's regions; delivery hours that do not meet its working hours; heavier than its
/// capacity; fitting, but not in the chosen bundle.
/// </summary>
public readonly record struct LeftOutCounts(long OtherRegion, long HoursDoNotOverlap, long HeavierThanCapacity, long FitsButNotChosen);

/// <summary>
/// What <c>POST /orders/assign</c> would answer for a courier now (<see cref="OpenBundle"/> when it has one; then
/// <see cref="WouldAssign"/> is that bundle's open orders), and why the other pending orders are left out.
/// </summary>
public sealed record AssignmentPreviewView(
    long CourierId, CourierType Type, AssignOutcome? OpenBundle, IReadOnlyList<PreviewOrder> WouldAssign, LeftOutCounts LeftOut)
{
    public Weight Capacity => Type.Capacity();

    public Weight TotalWeight => WouldAssign.Aggregate(Weight.FromHundredthsOfKg(0), (sum, o) => sum + o.Weight);
}

/// <summary>
/// <c>GET /couriers/{id}/assignment</c> (contract 10.2): the assign's own read (<see cref="Pool"/>) and engine
/// (<see cref="AssignmentEngine"/>), without the courier's lock and without a claim, so the same state gives the same
/// orders. Everything is read in one REPEATABLE READ, READ ONLY transaction: one snapshot for the bundle and the
/// counts, no row locks, nothing an assign ever waits for.
/// </summary>
public sealed class AssignmentPreviews(NpgsqlDataSource db)
{
    /// <summary>The preview, or null for an unknown courier.</summary>
    public async Task<AssignmentPreviewView?> GetAsync(long courierId, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        await using (var readOnly = Sql.Command(connection, "SET TRANSACTION READ ONLY"))
        {
            await readOnly.ExecuteNonQueryAsync(ct);
        }

        CourierType type;
        int[] regions;
        Schedule hours;
        AssignOutcome? open = null;
        await using (var read = Sql.Command(connection,
            DeliveryService.CourierAndOpenBundle, Sql.P(courierId)))
        await using (var reader = await read.ExecuteReaderAsync(ct))
        {
            if (!await reader.ReadAsync(ct))
            {
                return null;
            }

            type = reader.GetCourierType(0);
            regions = reader.GetFieldValue<int[]>(1).Distinct().ToArray();
            hours = Sql.ParseSchedule(reader.GetFieldValue<string[]>(2));
            if (!reader.IsDBNull(3))
            {
                open = new AssignOutcome(reader.GetFieldValue<long[]>(4), reader.GetFieldValue<Instant>(3));
            }
        }

        var capacity = type.Capacity();
        var multirange = Sql.Multirange(hours);
        long[] chosen;
        if (open is not null)
        {
            chosen = open.OrderIds.ToArray();
        }
        else
        {
            var candidates = await Pool.ReadAsync(connection, regions, capacity, multirange, [], ct);
            chosen = AssignmentEngine.Choose(candidates, capacity).Orders.Select(o => o.OrderId).Order().ToArray();
        }

        var orders = await OrdersAsync(connection, chosen, ct);
        var leftOut = await LeftOutAsync(connection, regions, capacity, multirange, open is null ? chosen.Length : 0, ct);
        await tx.CommitAsync(ct);
        return new AssignmentPreviewView(courierId, type, open, orders, leftOut);
    }

    private static async Task<IReadOnlyList<PreviewOrder>> OrdersAsync(NpgsqlConnection connection, long[] ids, CancellationToken ct)
    {
        if (ids.Length == 0)
        {
            return [];
        }

        await using var command = Sql.Command(connection,
            "SELECT order_id, weight_cg, region FROM orders WHERE order_id = ANY($1) ORDER BY order_id", Sql.P(ids));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var orders = new List<PreviewOrder>(ids.Length);
        while (await reader.ReadAsync(ct))
        {
            orders.Add(new PreviewOrder(reader.GetInt64(0), Weight.FromHundredthsOfKg(reader.GetInt32(1)), reader.GetInt32(2)));
        }

        return orders;
    }

    /// <summary>
    /// Counts the pool by reason. Both statements read only the partial index <c>ix_orders_pool</c> (region, weight,
    /// seq; order id and delivery hours included): all of it for the number of pending orders, the courier's regions'
    /// parts of it for the rest. <paramref name="chosen"/> orders of the fitting ones are the bundle itself.
    /// </summary>
    private static async Task<LeftOutCounts> LeftOutAsync(
        NpgsqlConnection connection, int[] regions, Weight capacity, NpgsqlTypes.NpgsqlRange<int>[] hours, int chosen, CancellationToken ct)
    {
        await using var command = new NpgsqlBatch(connection)
        {
            BatchCommands =
            {
                Sql.BatchCommand("SELECT count(*) FROM orders WHERE bundle_id IS NULL"),
                Sql.BatchCommand(
                    """
                    SELECT count(*),
                           count(*) FILTER (WHERE NOT delivery && $2),
                           count(*) FILTER (WHERE delivery && $2 AND weight_cg > $3)
                    FROM orders WHERE bundle_id IS NULL AND region = ANY($1)
                    """,
                    Sql.P(regions), Sql.P(hours, NpgsqlTypes.NpgsqlDbType.IntegerMultirange), Sql.P(capacity.HundredthsOfKg)),
            },
        };
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        var pending = reader.GetInt64(0);
        await reader.NextResultAsync(ct);
        await reader.ReadAsync(ct);
        var inRegions = reader.GetInt64(0);
        var hoursApart = reader.GetInt64(1);
        var heavier = reader.GetInt64(2);
        return new LeftOutCounts(pending - inRegions, hoursApart, heavier, inRegions - hoursApart - heavier - chosen);
    }
}
