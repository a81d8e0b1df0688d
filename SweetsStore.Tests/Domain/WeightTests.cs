using SweetsStore.Domain;

namespace SweetsStore.Tests.Domain;

public class WeightTests
{
    [Theory]
    [InlineData("0.01", 1)]
    [InlineData("50", 5000)]
    [InlineData("50.00", 5000)]
    [InlineData("5.5", 550)]
    [InlineData("5.50", 550)]
    [InlineData("1e1", 1000)]
    [InlineData("0.1E1", 100)]
    [InlineData("12.34", 1234)]
    [InlineData("0.0000000000000000000000000000000000000000000000001e49", 100)]
    [InlineData("49.990000000000000000000000000000000000000000", 4999)]
    [InlineData("5000e-2", 5000)]
    [InlineData("0.5E+1", 500)]
    public void ReadsWeightsWithAtMostTwoDecimals(string json, int hundredths)
    {
        Assert.True(Weight.TryParseOrderWeight(json, out var weight));
        Assert.Equal(hundredths, weight.HundredthsOfKg);
    }

    [Theory]
    [InlineData("5.005")]
    [InlineData("0")]
    [InlineData("-0")]
    [InlineData("0.009")]
    [InlineData("50.01")]
    [InlineData("-1")]
    [InlineData("1e400")]
    [InlineData("1e-400")]
    [InlineData("100000000000000000000000000000000")]
    [InlineData("50.000000000000000000000000000001")] // decimal rounds these (28-29 significant digits): they passed
    [InlineData("49.99999999999999999999999999999999999")]
    [InlineData("0.010000000000000000000000000000001")]
    [InlineData("1.0000000000000000000000000000000000001")]
    [InlineData("1e999999999999999999999")]
    [InlineData("1e-999999999999999999999")]
    [InlineData("5001e-2")]
    [InlineData("")]
    [InlineData(".5")]
    [InlineData("5.")]
    [InlineData("5e")]
    public void RefusesOtherWeights(string json)
    {
        Assert.False(Weight.TryParseOrderWeight(json, out _));
    }

    [Fact]
    public void CapacitiesAndCoefficientsFollowTheContract()
    {
        Assert.Equal([1000, 1500, 5000], Enum.GetValues<CourierType>().Select(t => t.Capacity().HundredthsOfKg));
        Assert.Equal([2, 5, 9], Enum.GetValues<CourierType>().Select(t => t.Coefficient()));
    }

    [Theory]
    [InlineData("foot", true)]
    [InlineData("bike", true)]
    [InlineData("car", true)]
    [InlineData("Foot", false)]
    [InlineData("CAR", false)]
    [InlineData("1", false)]
    [InlineData("", false)]
    public void CourierTypesAreExactLowerCaseNames(string name, bool valid)
    {
        Assert.Equal(valid, CourierTypes.TryParse(name, out _));
    }

    [Fact]
    public void SumsAreExact()
    {
        var total = Enumerable.Repeat(Weight.FromHundredthsOfKg(1), 10).Aggregate(Weight.FromHundredthsOfKg(0), (a, b) => a + b);

        Assert.Equal(0.1m, total.Kilograms);
    }

    [Fact]
    public void ANegativeWeightCannotBeMade()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Weight.FromHundredthsOfKg(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Weight.FromHundredthsOfKg(1) - Weight.FromHundredthsOfKg(2));
    }

    [Fact]
    public void ComparesByTheExactAmount()
    {
        Weight light = Weight.FromHundredthsOfKg(999), limit = Weight.FromHundredthsOfKg(1000), same = Weight.FromHundredthsOfKg(1000);

        Assert.True(limit >= same);
        Assert.True(limit <= same);
        Assert.False(light >= limit);
        Assert.True(limit >= light);
        Assert.True(light < limit);
        Assert.False(limit < same);
        Assert.True(limit > light);
        Assert.False(limit > same);
    }

    [Fact]
    public void AnUnknownCourierTypeHasNoCapacityOrCoefficient()
    {
        var unknown = (CourierType)3;

        Assert.Throws<ArgumentOutOfRangeException>(() => unknown.Capacity());
        Assert.Throws<ArgumentOutOfRangeException>(() => unknown.Coefficient());
    }
}
