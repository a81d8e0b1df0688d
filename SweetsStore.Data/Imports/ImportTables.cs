using SweetsStore.Domain;

namespace SweetsStore.Data.Imports;

/// <summary>The two tables imports fill, with their COPY statements and their rows' binary encoding (<see cref="CopyBatch"/>).</summary>
public static class ImportTables
{
    /// <summary>
    /// Orders are copied batch by batch in the order of the pool index <c>ix_orders_pool</c> (region, weight, seq), so
    /// its entries go in in key order (most of a COPY's cost is that index; docs/decisions/0016 step 4), and the rows
    /// of a region lie together on the heap; <c>seq</c> is given (written when the batch is copied), so the import order
    /// stays what "older" means.
    /// </summary>
    public static readonly ImportTable<NewOrder> Orders = new(
        "orders", "order_id", "COPY orders (order_id, seq, weight_cg, region, delivery_hours, delivery) FROM STDIN (FORMAT BINARY)", OrderRows.Fields,
        static (batch, order) =>
        {
            batch.Int64(order.Id);
            batch.Int64(0); // seq: the session writes it (ImportTable.SeqOffset)
            batch.Int32(order.Weight.HundredthsOfKg);
            batch.Int32(order.Region);
            batch.TextArray(order.DeliveryHours.ToStrings());
            batch.Int4Multirange(order.DeliveryHours.Segments());
        },
        static order => order.Id,
        static order => OrderRows.SortKey(order.Region, order.Weight.HundredthsOfKg));

    public static readonly ImportTable<NewCourier> Couriers = new(
        "couriers", "courier_id", "COPY couriers (courier_id, courier_type, regions, working_hours) FROM STDIN (FORMAT BINARY)", 4,
        static (batch, courier) =>
        {
            batch.Int64(courier.Id);
            batch.Text(courier.Type.ToContractName());
            batch.Int32Array(courier.Regions);
            batch.TextArray(courier.WorkingHours.ToStrings());
        },
        static courier => courier.Id);
}
