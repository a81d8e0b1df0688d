namespace SweetsStore.Data.Entities;

/// <summary>Running delivery-time sums of one courier in one region: the rating reads these, never raw rows.</summary>
public sealed class CourierRegionStat
{
    public long CourierId { get; set; }

    public int Region { get; set; }

    public long TotalMicros { get; set; }

    public long Deliveries { get; set; }
}
