namespace SweetsStore.Domain;

/// <summary>A validated courier from an import: id ≥ 1, at least one region (each ≥ 1), at least one window.</summary>
public sealed record NewCourier
{
    public NewCourier(long id, CourierType type, IReadOnlyList<int> regions, Schedule workingHours)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(id, 1L);
        if (regions.Count == 0 || regions.Any(r => r < 1))
        {
            throw new ArgumentException("must be a non-empty list of integers ≥ 1", nameof(regions));
        }

        Id = id;
        Type = type;
        Regions = regions;
        WorkingHours = workingHours;
    }

    public long Id { get; }

    public CourierType Type { get; }

    public IReadOnlyList<int> Regions { get; }

    public Schedule WorkingHours { get; }
}

/// <summary>A validated order from an import: id ≥ 1, weight 0.01–50 kg, region ≥ 1, at least one window.</summary>
public sealed record NewOrder
{
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
