using NpgsqlTypes;
using SweetsStore.Domain;

namespace SweetsStore.Data.Imports;

/// <summary>The two tables imports fill, with their COPY statements.</summary>
public static class ImportTables
{
    public static readonly ImportTable<NewOrder> Orders = new(
        "orders", "order_id", "COPY orders (order_id, weight_cg, region, delivery_hours, delivery) FROM STDIN (FORMAT BINARY)",
        static async (copy, order, ct) =>
        {
            await copy.WriteAsync(order.Id, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(order.Weight.HundredthsOfKg, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(order.Region, NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(order.DeliveryHours.ToStrings(), NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
            await copy.WriteAsync(Sql.Multirange(order.DeliveryHours), NpgsqlDbType.IntegerMultirange, ct);
        },
        static order => order.Id);

    public static readonly ImportTable<NewCourier> Couriers = new(
        "couriers", "courier_id", "COPY couriers (courier_id, courier_type, regions, working_hours) FROM STDIN (FORMAT BINARY)",
        static async (copy, courier, ct) =>
        {
            await copy.WriteAsync(courier.Id, NpgsqlDbType.Bigint, ct);
            await copy.WriteAsync(courier.Type.ToContractName(), NpgsqlDbType.Text, ct);
            await copy.WriteAsync(courier.Regions as int[] ?? courier.Regions.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Integer, ct);
            await copy.WriteAsync(courier.WorkingHours.ToStrings(), NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
        },
        static courier => courier.Id);
}
