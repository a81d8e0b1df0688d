namespace SweetsStore.Domain;

/// <summary>
/// A validated courier from an import: id ≥ 1, regions each ≥ 1 (repeats kept as sent), working hours. Either
/// list may be empty: such a courier is stored and handed nothing.
/// </summary>
public sealed record NewCourier
{
    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> for an id below 1 or a region below 1.</summary>
    public NewCourier(long id, CourierType type, IReadOnlyList<int> regions, Schedule workingHours)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(id, 1L);
        foreach (var region in regions)
        {
            if (region < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(regions), region, "every region must be ≥ 1");
            }
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
