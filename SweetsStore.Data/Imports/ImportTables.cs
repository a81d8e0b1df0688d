using NpgsqlTypes;
using SweetsStore.Domain;

namespace SweetsStore.Data.Imports;

/// <summary>The two tables imports fill, with their COPY statements.</summary>
public static class ImportTables
{
    /// <summary>
    /// Orders are copied batch by batch in the order of the pool index <c>ix_orders_pool</c> (region, weight, seq), so
    /// its entries go in in key order (most of a COPY's cost is that index; docs/decisions/0016 step 4), and the rows
    /// of a region lie together on the heap; <c>seq</c> is given, so the import order stays what "older" means.
    /// </summary>
    public static readonly ImportTable<NewOrder> Orders = new(
        "orders", "order_id", "COPY orders (order_id, seq, weight_cg, region, delivery_hours, delivery) FROM STDIN (FORMAT BINARY)",
        static async (copy, order, seq, ct) =>
        {
            await copy.WriteAsync(order.Id, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(seq, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(order.Weight.HundredthsOfKg, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(order.Region, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(order.DeliveryHours.ToStrings(), NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
            await copy.WriteAsync(Sql.Multirange(order.DeliveryHours), NpgsqlDbType.IntegerMultirange, ct);
        },
        static order => order.Id,
        static (a, b) => a.Region != b.Region ? a.Region.CompareTo(b.Region) : a.Weight.HundredthsOfKg.CompareTo(b.Weight.HundredthsOfKg));

    public static readonly ImportTable<NewCourier> Couriers = new(
        "couriers", "courier_id", "COPY couriers (courier_id, courier_type, regions, working_hours) FROM STDIN (FORMAT BINARY)",
        static async (copy, courier, _, ct) =>
        {
            await copy.WriteAsync(courier.Id, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(courier.Type.ToContractName(), NpgsqlDbType.Text, ct);
            await copy.WriteAsync(courier.Regions as int[] ?? courier.Regions.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(courier.WorkingHours.ToStrings(), NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
        },
        static courier => courier.Id);
}
