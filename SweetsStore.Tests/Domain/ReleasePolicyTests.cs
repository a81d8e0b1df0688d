using SweetsStore.Domain;

namespace SweetsStore.Tests.Domain;

public class ReleasePolicyTests
{
    private static readonly Schedule AllDay = Schedule.Parse("00:00-23:59");

    [Fact]
    public void ReleasesOrdersInRegionsNoLongerServed()
    {
        var open = new[] { Order(1, 100, region: 1), Order(2, 100, region: 2) };

        var released = ReleasePolicy.Release(open, CourierType.Foot, [2], AllDay);

        Assert.Equal([(1L, ReleaseReason.Region)], released.Select(r => (r.Order.OrderId, r.Reason)));
    }

    [Fact]
    public void ReleasesOrdersWhoseHoursNoLongerMeetTheWorkingHours()
    {
        var open = new[] { Order(1, 100, hours: "09:00-11:00"), Order(2, 100, hours: "10:59-12:00") };

        var released = ReleasePolicy.Release(open, CourierType.Foot, [1], Schedule.Parse("11:00-18:00"));

        Assert.Equal([(1L, ReleaseReason.Hours)], released.Select(r => (r.Order.OrderId, r.Reason)));
    }

    [Fact]
    public void ReleasesTheHeaviestUntilTheRestFitsTheNewCapacity()
    {
        // A car carrying 20 kg becomes a foot courier (10 kg): 8 kg and then 5 kg go back; 4 + 3 = 7 kg stay.
        var open = new[] { Order(1, 300), Order(2, 800), Order(3, 400), Order(4, 500) };

        var released = ReleasePolicy.Release(open, CourierType.Foot, [1], AllDay);

        Assert.Equal([2L, 4L], released.Select(r => r.Order.OrderId));
        Assert.All(released, r => Assert.Equal(ReleaseReason.Capacity, r.Reason));
    }

    [Fact]
    public void CapacityCountsOnlyWhatStaysAfterRegionAndHourReleases()
    {
        var open = new[] { Order(1, 900, region: 7), Order(2, 600), Order(3, 400) };

        var released = ReleasePolicy.Release(open, CourierType.Foot, [1], AllDay);

        Assert.Equal([1L], released.Select(r => r.Order.OrderId));
    }

    [Fact]
    public void OfEqualWeightsTheNewestGoesFirst()
    {
        var open = new[] { Order(1, 600, age: 1), Order(2, 600, age: 2) };

        var released = ReleasePolicy.Release(open, CourierType.Foot, [1], AllDay);

        Assert.Equal([2L], released.Select(r => r.Order.OrderId));
    }

    [Fact]
    public void OfEqualWeightAndAgeTheHigherIdGoesFirst()
    {
        var open = new[] { Order(1, 600, age: 5), Order(2, 600, age: 5) };

        var released = ReleasePolicy.Release(open, CourierType.Foot, [1], AllDay);

        Assert.Equal([2L], released.Select(r => r.Order.OrderId));
    }

    [Fact]
    public void ExactlyAtCapacityNothingGoes()
    {
        var open = new[] { Order(1, 600), Order(2, 400) };

        Assert.Empty(ReleasePolicy.Release(open, CourierType.Foot, [1], AllDay));
    }

    [Fact]
    public void NoRegionsLeftReleasesEveryOpenOrder()
    {
        var open = new[] { Order(1, 100, region: 1), Order(2, 200, region: 2) };

        var released = ReleasePolicy.Release(open, CourierType.Car, [], AllDay);

        Assert.Equal([(1L, ReleaseReason.Region), (2L, ReleaseReason.Region)], released.Select(r => (r.Order.OrderId, r.Reason)));
    }

    [Fact]
    public void NoWorkingHoursLeftReleasesEveryOpenOrder()
    {
        var open = new[] { Order(1, 100), Order(2, 200, hours: "22:00-02:00") };

        var released = ReleasePolicy.Release(open, CourierType.Car, [1], Schedule.Empty);

        Assert.Equal([(1L, ReleaseReason.Hours), (2L, ReleaseReason.Hours)], released.Select(r => (r.Order.OrderId, r.Reason)));
    }

    [Fact]
    public void AnOpenOrderWithoutDeliveryHoursIsReleasedAsNotMeetingTheHours()
    {
        // Such an order is never assigned, but a bundle could hold one from before (its hours are stored as sent).
        var open = new[] { new OpenOrder(1, Weight.FromHundredthsOfKg(100), 1, Schedule.Empty, 1), Order(2, 100) };

        var released = ReleasePolicy.Release(open, CourierType.Foot, [1], AllDay);

        Assert.Equal([(1L, ReleaseReason.Hours)], released.Select(r => (r.Order.OrderId, r.Reason)));
    }

    [Fact]
    public void NothingOpenReleasesNothing()
    {
        Assert.Empty(ReleasePolicy.Release([], CourierType.Foot, [], Schedule.Empty));
    }

    private static OpenOrder Order(long id, int hundredths, int region = 1, string hours = "00:00-23:59", long? age = null) =>
        new(id, Weight.FromHundredthsOfKg(hundredths), region, Schedule.Parse(hours), age ?? id);
}
