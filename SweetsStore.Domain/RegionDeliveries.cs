using System.Numerics;

namespace SweetsStore.Domain;

/// <summary>Delivery seconds summed per region: the whole input the rating needs.</summary>
/// <param name="Region">The region the orders were delivered in.</param>
/// <param name="TotalMicroseconds">Sum of the delivery times of the region's delivered orders, µs (unbounded: a few
/// deliveries completed in year 9999 already pass <see cref="long.MaxValue"/>).</param>
/// <param name="Deliveries">How many orders were delivered in the region (≥ 1).</param>
public readonly record struct RegionDeliveries(int Region, BigInteger TotalMicroseconds, long Deliveries);
