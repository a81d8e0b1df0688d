using System.Numerics;
using NodaTime;

namespace SweetsStore.Domain;

/// <summary>The contract's rating rules, in exact integer arithmetic (what a bundle pays: <see cref="BundleRules"/>).</summary>
public static class Rating
{
    private const long HourMicros = 3_600_000_000L;

    /// <summary>
    /// <c>t</c> = the smallest per-region average delivery time (seconds); rating = (3600 − min(t, 3600)) / 3600 × 5,
    /// rounded half away from zero to two decimals. Computed on exact fractions: no binary floating point.
    /// Returns null when no region has a delivery.
    /// </summary>
    public static decimal? Compute(IEnumerable<RegionDeliveries> regions)
    {
        // Smallest average = smallest TotalMicroseconds / Deliveries, compared by cross-multiplication.
        (BigInteger Total, long Count)? best = null;
        foreach (var region in regions)
        {
            if (region.Deliveries <= 0)
            {
                continue;
            }

            if (best is null || region.TotalMicroseconds * best.Value.Count < best.Value.Total * region.Deliveries)
            {
                best = (region.TotalMicroseconds, region.Deliveries);
            }
        }

        if (best is not { } b)
        {
            return null;
        }

        // rating × 100 = 500 × (3600 s − t) / 3600 s with t = Total / Count (µs), capped at an hour.
        var denominator = (BigInteger)HourMicros * b.Count;
        var remaining = denominator - BigInteger.Min(b.Total, denominator);
        var numerator = remaining * 500;
        var hundredths = ((2 * numerator) + denominator) / (2 * denominator);
        return (decimal)(long)hundredths / 100m;
    }

    /// <summary>
    /// Delivery time of each delivered order of one bundle: its complete time minus the previous delivery's
    /// complete time (ordered by complete time, then order id), or minus the bundle's assign time for the
    /// first. The definition the database's incremental sums are checked against.
    /// </summary>
    public static IReadOnlyList<(long OrderId, Duration DeliveryTime)> DeliveryTimes(
        Instant assignTime, IEnumerable<(long OrderId, Instant CompleteTime)> delivered)
    {
        var previous = assignTime;
        var result = new List<(long, Duration)>();
        foreach (var (orderId, completeTime) in delivered.OrderBy(d => d.CompleteTime).ThenBy(d => d.OrderId))
        {
            result.Add((orderId, completeTime - previous));
            previous = completeTime;
        }

        return result;
    }
}
