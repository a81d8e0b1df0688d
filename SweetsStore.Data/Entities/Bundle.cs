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

    /// <summary>500 × C once finished with at least one delivery; otherwise 0.</summary>
    public long Earnings { get; set; }
}
