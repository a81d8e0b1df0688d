namespace SweetsStore.Domain;

public static class CourierTypes
{
    /// <summary>Names as they appear in the contract, in enum order.</summary>
    public static readonly IReadOnlyList<string> Names = ["foot", "bike", "car"];

    /// <summary>Most weight the type carries at once, inclusive (a bundle weighing exactly this fits).</summary>
    public static Weight Capacity(this CourierType type) => type switch
    {
        CourierType.Foot => Weight.FromHundredthsOfKg(10_00),
        CourierType.Bike => Weight.FromHundredthsOfKg(15_00),
        CourierType.Car => Weight.FromHundredthsOfKg(50_00),
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown courier type"),
    };

    /// <summary>Earnings coefficient C: a finished bundle with a delivery pays <see cref="BundleRules.PayUnit"/> × C.</summary>
    public static int Coefficient(this CourierType type) => type switch
    {
        CourierType.Foot => 2,
        CourierType.Bike => 5,
        CourierType.Car => 9,
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "unknown courier type"),
    };

    /// <summary>The contract's lower-case name (<c>foot</c>, <c>bike</c>, <c>car</c>).</summary>
    public static string ToContractName(this CourierType type) => Names[(int)type];

    /// <summary>Parses the exact lower-case contract name; anything else (<c>"Foot"</c>, <c>"1"</c>) fails.</summary>
    public static bool TryParse(ReadOnlySpan<char> text, out CourierType type)
    {
        for (var i = 0; i < Names.Count; i++)
        {
            if (text.SequenceEqual(Names[i]))
            {
                type = (CourierType)i;
                return true;
            }
        }

        type = default;
        return false;
    }
}
