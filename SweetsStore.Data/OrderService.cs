using NodaTime;
using Npgsql;
using NpgsqlTypes;
using SweetsStore.Domain;

namespace SweetsStore.Data;

/// <summary>Order reads.</summary>
public sealed class OrderService(PointReads reads, StaleReads pages)
{
    public async Task<OrderView?> GetAsync(long orderId, CancellationToken ct)
    {
        await using var command = reads.CreateCommand($"{SelectView} WHERE o.order_id = $1");
        command.Parameters.Add(Sql.P(orderId));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadView(reader) : null;
    }

    /// <summary>A page of orders by id, optionally only those of one status; from a standby when one is configured (<see cref="StaleReads"/>).</summary>
    public async Task<IReadOnlyList<OrderView>> ListAsync(OrderStatus? status, int offset, int limit, CancellationToken ct)
    {
        var filter = status switch
        {
            null => "TRUE",
            OrderStatus.Pending => "o.bundle_id IS NULL",
            OrderStatus.Assigned => "o.bundle_id IS NOT NULL AND o.complete_time IS NULL",
            OrderStatus.Completed => "o.complete_time IS NOT NULL",
            _ => throw new ArgumentOutOfRangeException(nameof(status), status, "unknown status"),
        };
        await using var command = pages.CreateCommand($"{SelectView} WHERE {filter} ORDER BY o.order_id OFFSET $1 LIMIT $2");
        command.Parameters.Add(Sql.P((long)offset));
        command.Parameters.Add(Sql.P((long)limit));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var page = new List<OrderView>();
        while (await reader.ReadAsync(ct))
        {
            page.Add(ReadView(reader));
        }

        return page;
    }

    private const string SelectView =
        """
        SELECT o.order_id, o.weight_cg, o.region, o.delivery_hours, b.courier_id, b.assign_time, o.complete_time
        FROM orders o LEFT JOIN bundles b ON b.bundle_id = o.bundle_id
        """;

    private static OrderView ReadView(NpgsqlDataReader reader) => new(
        reader.GetInt64(0),
        Weight.FromHundredthsOfKg(reader.GetInt32(1)),
        reader.GetInt32(2),
        reader.GetFieldValue<string[]>(3),
        reader.IsDBNull(4) ? null : reader.GetInt64(4),
        reader.GetFieldValue<Instant?>(5),
        reader.GetFieldValue<Instant?>(6));
}
