using SweetsStore.Domain;

namespace SweetsStore.Data.Entities;

/// <summary>A courier row. <see cref="Earnings"/> is kept up to date by every bundle that finishes.</summary>
public sealed class Courier
{
    public long CourierId { get; set; }

    public CourierType CourierType { get; set; }

    public int[] Regions { get; set; } = [];

    /// <summary>Contract strings (<c>"09:00-18:00"</c>) in the order given.</summary>
    public string[] WorkingHours { get; set; } = [];

    /// <summary>Sum of what its finished bundles paid (<see cref="SweetsStore.Domain.BundleRules.Pay"/>).</summary>
    public long Earnings { get; set; }
}
