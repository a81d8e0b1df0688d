using NodaTime;
using SweetsStore.Domain;

namespace SweetsStore.Data.Entities;

/// <summary>
/// The orders handed to one courier by one assign. Open while <see cref="FinishedAt"/> is null; the database
/// allows one open bundle per courier.
/// </summary>
public sealed class Bundle
{
    public long BundleId { get; set; }

    public long CourierId { get; set; }

    public Courier? Courier { get; set; }

    /// <summary>The courier's type when the bundle was assigned.</summary>
    public CourierType CourierType { get; set; }

    /// <summary>Earnings coefficient of <see cref="CourierType"/> when the bundle was assigned.</summary>
    public int Coefficient { get; set; }

    public Instant AssignTime { get; set; }

    public Instant? FinishedAt { get; set; }

    /// <summary>What it paid once finished (<see cref="SweetsStore.Domain.BundleRules.Pay"/>); 0 before.</summary>
    public long Earnings { get; set; }
}
