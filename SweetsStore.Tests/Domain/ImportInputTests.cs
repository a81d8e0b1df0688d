using SweetsStore.Domain;

namespace SweetsStore.Tests.Domain;

/// <summary><see cref="NewCourier"/>, <see cref="NewOrder"/> and <see cref="Schedule"/>: what a validated import element may hold.</summary>
public class ImportInputTests
{
    private static readonly Schedule Hours = Schedule.Parse("09:00-18:00");

    [Fact]
    public void ACourierMayHaveNoRegionsAndNoWorkingHours()
    {
        var courier = new NewCourier(1, CourierType.Car, [], Schedule.Empty);

        Assert.Equal(1, courier.Id);
        Assert.Equal(CourierType.Car, courier.Type);
        Assert.Empty(courier.Regions);
        Assert.True(courier.WorkingHours.IsEmpty);
    }

    [Fact]
    public void ACourierKeepsWhatItWasGiven()
    {
        int[] regions = [3, 1, 3];

        var courier = new NewCourier(long.MaxValue, CourierType.Bike, regions, Hours);

        Assert.Equal(long.MaxValue, courier.Id);
        Assert.Same(regions, courier.Regions);
        Assert.Same(Hours, courier.WorkingHours);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    public void ACourierIdBelowOneThrows(long id)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NewCourier(id, CourierType.Foot, [1], Hours));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void ARegionBelowOneThrowsWhereverItIs(int bad)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NewCourier(1, CourierType.Foot, [bad], Hours));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NewCourier(1, CourierType.Foot, [1, 2, bad], Hours));
        Assert.Equal([1], new NewCourier(1, CourierType.Foot, [1], Hours).Regions);
    }

    [Fact]
    public void AnOrderMayHaveNoDeliveryHours()
    {
        var order = new NewOrder(7, Weight.FromHundredthsOfKg(250), 12, Schedule.Empty);

        Assert.Equal(7, order.Id);
        Assert.Equal(250, order.Weight.HundredthsOfKg);
        Assert.Equal(12, order.Region);
        Assert.True(order.DeliveryHours.IsEmpty);
    }

    [Theory]
    [InlineData(1)] // 0.01 kg, the lightest allowed
    [InlineData(5000)] // 50 kg, the heaviest allowed
    public void AnOrderWeighsFromOneHundredthToFiftyKilogramsBothIncluded(int hundredths)
    {
        Assert.Equal(hundredths, new NewOrder(1, Weight.FromHundredthsOfKg(hundredths), 1, Hours).Weight.HundredthsOfKg);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5001)]
    public void AnOrderOutsideTheWeightRangeThrows(int hundredths)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NewOrder(1, Weight.FromHundredthsOfKg(hundredths), 1, Hours));
    }

    [Fact]
    public void AnOrderIdOrRegionBelowOneThrows()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NewOrder(0, Weight.MinOrder, 1, Hours));
        Assert.Throws<ArgumentOutOfRangeException>(() => new NewOrder(1, Weight.MinOrder, 0, Hours));
        Assert.Equal(1, new NewOrder(1, Weight.MinOrder, 1, Hours).Region);
    }

    [Fact]
    public void AScheduleFromTextsNeedsOneTextPerWindow()
    {
        TimeWindow[] windows = [TimeWindow.Parse("09:00-10:00"), TimeWindow.Parse("11:00-12:00")];

        Assert.Throws<ArgumentException>(() => new Schedule(windows, ["09:00-10:00"]));
        Assert.Throws<ArgumentException>(() => new Schedule(windows, ["09:00-10:00", "11:00-12:00", "13:00-14:00"]));
        Assert.Throws<ArgumentException>(() => new Schedule([], ["09:00-10:00"]));
        string[] texts = ["09:00-10:00", "11:00-12:00"];
        Assert.Same(texts, new Schedule(windows, texts).ToStrings());
    }

    [Fact]
    public void AScheduleWritesItsWindowsInTheOrderGiven()
    {
        var schedule = Schedule.Parse("22:00-02:00", "09:00-10:00");

        Assert.Equal(["22:00-02:00", "09:00-10:00"], schedule.ToStrings());
        Assert.Equal([(1320, 1440), (0, 120), (540, 600)], schedule.Segments());
        Assert.Same(schedule.ToStrings(), schedule.ToStrings());
    }
}
