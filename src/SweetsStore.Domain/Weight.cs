using System.Globalization;

namespace SweetsStore.Domain;

/// <summary>
/// An exact weight in hundredths of a kilogram (centigrams of the contract's kg with two decimals).
/// Sums never go through floating point.
/// </summary>
public readonly record struct Weight : IComparable<Weight>
{
    /// <summary>Smallest order weight, 0.01 kg, inclusive.</summary>
    public static readonly Weight MinOrder = new(1);

    /// <summary>Largest order weight, 50 kg, inclusive.</summary>
    public static readonly Weight MaxOrder = new(50_00);

    private Weight(int centigrams) => Centigrams = centigrams;

    /// <summary>Hundredths of a kilogram.</summary>
    public int Centigrams { get; }

    /// <summary>Wraps a count of hundredths; throws for negative values.</summary>
    public static Weight FromCentigrams(int centigrams) =>
        centigrams >= 0
            ? new Weight(centigrams)
            : throw new ArgumentOutOfRangeException(nameof(centigrams), centigrams, "weight cannot be negative");

    /// <summary>
    /// Reads a JSON number's text as an order weight: 0.01 ≤ w ≤ 50 with at most two decimals by value
    /// (<c>5.005</c> fails, <c>5.50</c> and <c>5e0</c> pass). Returns false for anything else.
    /// </summary>
    public static bool TryParseOrderWeight(ReadOnlySpan<char> number, out Weight weight)
    {
        weight = default;
        if (!decimal.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out var kg))
        {
            return false;
        }

        var hundredths = kg * 100m;
        if (hundredths != decimal.Truncate(hundredths) || hundredths < MinOrder.Centigrams || hundredths > MaxOrder.Centigrams)
        {
            return false;
        }

        weight = new Weight((int)hundredths);
        return true;
    }

    /// <summary>Kilograms as an exact decimal (e.g. 5.05).</summary>
    public decimal Kilograms => Centigrams / 100m;

    public static Weight operator +(Weight a, Weight b) => new(checked(a.Centigrams + b.Centigrams));

    public static Weight operator -(Weight a, Weight b) => FromCentigrams(checked(a.Centigrams - b.Centigrams));

    public static bool operator <(Weight a, Weight b) => a.Centigrams < b.Centigrams;

    public static bool operator >(Weight a, Weight b) => a.Centigrams > b.Centigrams;

    public static bool operator <=(Weight a, Weight b) => a.Centigrams <= b.Centigrams;

    public static bool operator >=(Weight a, Weight b) => a.Centigrams >= b.Centigrams;

    public int CompareTo(Weight other) => Centigrams.CompareTo(other.Centigrams);

    public override string ToString() => Kilograms.ToString(CultureInfo.InvariantCulture);
}
