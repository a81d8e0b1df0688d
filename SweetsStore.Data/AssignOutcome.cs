using NodaTime;
using SweetsStore.Domain;

namespace SweetsStore.Data;

/// <summary>The bundle an assign answers with; no assign time when nothing fits.</summary>
public sealed record AssignOutcome(IReadOnlyList<long> OrderIds, Instant? AssignTime)
{
    /// <summary>Whether the bundle is new, the courier's open one again, or nothing fitted.</summary>
    public AssignKind Kind { get; init; } = OrderIds.Count == 0 ? AssignKind.Empty : AssignKind.New;

    /// <summary>A new bundle's total weight (zero otherwise).</summary>
    public Weight Total { get; init; }

    /// <summary>The courier's capacity when a new bundle was chosen (zero otherwise).</summary>
    public Weight Capacity { get; init; }

    /// <summary>Tries it took: 1, plus one for every claim that lost a race for its orders to another assign.</summary>
    public int Attempts { get; init; } = 1;
}
