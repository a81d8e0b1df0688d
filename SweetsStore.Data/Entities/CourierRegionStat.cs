namespace SweetsStore.Data.Entities;

/// <summary>Running delivery-time sums of one courier in one region: the rating reads these, never raw rows.</summary>
public sealed class CourierRegionStat
{
    public long CourierId { get; set; }

    public int Region { get; set; }

    /// <summary>Sum of the delivery times, µs. numeric: a few deliveries dated in year 9999 pass bigint's range.</summary>
    public decimal TotalMicros { get; set; }

    public long Deliveries { get; set; }
}
