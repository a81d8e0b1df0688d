using NodaTime;
using NpgsqlTypes;

namespace SweetsStore.Data.Entities;

/// <summary>
/// An order row. Pending: no bundle. Assigned: a bundle, no complete time. Completed: both.
/// </summary>
public sealed class Order
{
    public long OrderId { get; set; }

    /// <summary>Import sequence: lower is older. Given by the import (<see cref="OrderSeq"/>), else by the column's default.</summary>
    public long Seq { get; set; }

    /// <summary>Weight in hundredths of a kilogram (1..5000); column <c>weight_cg</c>, its name from before the rename (docs/decisions/0013).</summary>
    public int WeightHundredthsOfKg { get; set; }

    public int Region { get; set; }

    /// <summary>Contract strings in the order given.</summary>
    public string[] DeliveryHours { get; set; } = [];

    /// <summary>The same hours as minute-of-day ranges <c>[start, end)</c> within [0, 1440), for the pool query.</summary>
    public NpgsqlRange<int>[] Delivery { get; set; } = [];

    public long? BundleId { get; set; }

    public Bundle? Bundle { get; set; }

    public Instant? CompleteTime { get; set; }

    /// <summary>This delivery's time in µs (complete time minus the bundle's previous delivery or assign time).</summary>
    public long? DeliveryMicros { get; set; }
}
