namespace SweetsStore.Domain;

/// <summary>
/// A validated order from an import: id ≥ 1, weight 0.01–50 kg (both ends included), region ≥ 1, delivery hours.
/// The delivery hours may be empty: such an order is stored, stays pending and is never assigned.
/// </summary>
public sealed record NewOrder
{
    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for an id or region below 1 or a weight outside 0.01–50 kg.</summary>
    public NewOrder(long id, Weight weight, int region, Schedule deliveryHours)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(id, 1L);
        ArgumentOutOfRangeException.ThrowIfLessThan(region, 1);
        if (weight < Weight.MinOrder || weight > Weight.MaxOrder)
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "must be 0.01 to 50 kg");
        }

        Id = id;
        Weight = weight;
        Region = region;
        DeliveryHours = deliveryHours;
    }

    public long Id { get; }

    public Weight Weight { get; }

    public int Region { get; }

    public Schedule DeliveryHours { get; }
}
