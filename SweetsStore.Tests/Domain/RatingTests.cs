using System.Numerics;
using NodaTime;
using SweetsStore.Domain;

namespace SweetsStore.Tests.Domain;

public class RatingTests
{
    private static readonly Instant Assigned = Instant.FromUtc(2026, 1, 10, 9, 0);

    [Theory]
    [InlineData(600, 4.17)] // the contract's example: 10 minutes on average
    [InlineData(3600, 0)] // an hour or more: 0
    [InlineData(7200, 0)]
    [InlineData(0, 5)]
    [InlineData(1800, 2.5)]
    [InlineData(18, 4.98)] // 4.975 rounds half away from zero
    [InlineData(54, 4.93)] // 4.925 → 4.93
    public void FollowsTheFormula(long averageSeconds, decimal expected)
    {
        var rating = Rating.Compute([new RegionDeliveries(1, averageSeconds * 1_000_000 * 3, 3)]);

        Assert.Equal(expected, rating);
    }

    [Fact]
    public void UsesTheFastestRegionsAverage()
    {
        var rating = Rating.Compute(
        [
            new RegionDeliveries(1, 3 * 1200L * 1_000_000, 3), // 20 minutes
            new RegionDeliveries(2, 2 * 600L * 1_000_000, 2), // 10 minutes
        ]);

        Assert.Equal(4.17m, rating);
    }

    [Fact]
    public void ComparesAveragesExactlyNotByFloatingPoint()
    {
        // 1/3 s vs 0.333333 s: the second is smaller by a hair, so it decides.
        var rating = Rating.Compute([new RegionDeliveries(1, 1_000_000, 3), new RegionDeliveries(2, 333_333, 1)]);

        Assert.Equal(5m, rating);
    }

    [Fact]
    public void SumsBeyondLongAreExact()
    {
        // Region 1: 10^30 µs over 10^18 deliveries (11.6 days on average); region 2: 10 minutes and a hair. Comparing
        // the averages multiplies 10^30 by 10^18, past even Int128.
        var deliveries = (long)1e18;
        var rating = Rating.Compute(
        [
            new RegionDeliveries(1, BigInteger.Pow(10, 30), deliveries),
            new RegionDeliveries(2, (new BigInteger(600_000_000) * deliveries) + 1, deliveries),
        ]);

        Assert.Equal(4.17m, rating);
        Assert.Equal(0m, Rating.Compute([new RegionDeliveries(1, BigInteger.Pow(10, 30), 3)]));
    }

    [Fact]
    public void NoDeliveriesMeansNoRating()
    {
        Assert.Null(Rating.Compute([]));
    }

    [Fact]
    public void DeliveryTimeIsTheGapToThePreviousDeliveryOfTheBundle()
    {
        // Completions arrive out of order; the gaps follow complete time, and ties follow order id.
        var times = Rating.DeliveryTimes(Assigned,
        [
            (3, Assigned + Duration.FromMinutes(30)),
            (1, Assigned + Duration.FromMinutes(10)),
            (2, Assigned + Duration.FromMinutes(30)),
        ]);

        Assert.Equal(
            [(1L, Duration.FromMinutes(10)), (2L, Duration.FromMinutes(20)), (3L, Duration.Zero)],
            times);
    }

    [Fact]
    public void TruncatesInstantsToWholeMicroseconds()
    {
        var instant = Instant.FromUnixTimeTicks(17_000_000_000_000_007);

        Assert.Equal(Instant.FromUnixTimeTicks(17_000_000_000_000_000), instant.TruncateToMicroseconds());
        Assert.Equal(Instant.FromUnixTimeTicks(-20), Instant.FromUnixTimeTicks(-13).TruncateToMicroseconds());
    }

    [Fact]
    public void UsesTheFastestRegionsAverageWhenItIsListedFirst()
    {
        var rating = Rating.Compute(
        [
            new RegionDeliveries(1, 2 * 600L * 1_000_000, 2), // 10 minutes
            new RegionDeliveries(2, 3 * 1200L * 1_000_000, 3), // 20 minutes
        ]);

        Assert.Equal(4.17m, rating);
    }

    [Fact]
    public void ARegionWithoutDeliveriesIsPassedOverWhereverItIsListed()
    {
        var rating = Rating.Compute([new RegionDeliveries(1, 0, 0), new RegionDeliveries(2, 600L * 1_000_000, 1)]);

        Assert.Equal(4.17m, rating);
        Assert.Null(Rating.Compute([new RegionDeliveries(1, 0, 0)]));
    }
}
