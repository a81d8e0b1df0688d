using SweetsStore.Domain;

namespace SweetsStore.Tests.Domain;

public class BundleRulesTests
{
    [Fact]
    public void BundlesPayByTheirCoefficientOnlyWhenSomethingWasDelivered()
    {
        Assert.Equal(1000, BundleRules.Pay(CourierType.Foot.Coefficient(), anyDelivered: true));
        Assert.Equal(2500, BundleRules.Pay(CourierType.Bike.Coefficient(), anyDelivered: true));
        Assert.Equal(4500, BundleRules.Pay(CourierType.Car.Coefficient(), anyDelivered: true));
        Assert.Equal(0, BundleRules.Pay(CourierType.Car.Coefficient(), anyDelivered: false));
    }

    [Fact]
    public void ABundleIsFinishedExactlyWhenNoOrderIsOpen()
    {
        Assert.True(BundleRules.IsFinished(0));
        Assert.False(BundleRules.IsFinished(1));
        Assert.False(BundleRules.IsFinished(40));
        Assert.Throws<ArgumentOutOfRangeException>(() => BundleRules.IsFinished(-1));
    }
}
