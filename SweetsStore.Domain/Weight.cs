using System.Globalization;

namespace SweetsStore.Domain;

/// <summary>
/// An exact weight as a whole number of hundredths of a kilogram (the contract's kg with two decimals: 5.05 kg is 505).
/// Sums never go through floating point.
/// </summary>
public readonly record struct Weight : IComparable<Weight>
{
    /// <summary>Smallest order weight, 0.01 kg, inclusive.</summary>
    public static readonly Weight MinOrder = new(1);

    /// <summary>Largest order weight, 50 kg, inclusive.</summary>
    public static readonly Weight MaxOrder = new(50_00);

    private Weight(int hundredths) => HundredthsOfKg = hundredths;

    /// <summary>Hundredths of a kilogram.</summary>
    public int HundredthsOfKg { get; }

    /// <summary>Wraps a count of hundredths; throws for negative values.</summary>
    public static Weight FromHundredthsOfKg(int hundredths) =>
        hundredths >= 0
            ? new Weight(hundredths)
            : throw new ArgumentOutOfRangeException(nameof(hundredths), hundredths, "weight cannot be negative");

    /// <summary>
    /// Reads a JSON number's text as an order weight: 0.01 ≤ w ≤ 50 with at most two decimals by value
    /// (<c>5.005</c> fails, <c>5.50</c> and <c>5e0</c> pass). Returns false for anything else.
    /// </summary>
    /// <remarks>
    /// Read digit by digit, never rounded: <see cref="decimal"/> keeps 28–29 significant digits, so
    /// <c>50.000000000000000000000000000001</c> would have become 50 and passed.
    /// </remarks>
    public static bool TryParseOrderWeight(ReadOnlySpan<char> number, out Weight weight)
    {
        weight = default;

        // JSON: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?. A minus sign means ≤ 0: never a weight.
        var i = 0;
        var integerStart = i;
        while (i < number.Length && char.IsAsciiDigit(number[i]))
        {
            i++;
        }

        var integerDigits = number[integerStart..i];
        var fractionDigits = ReadOnlySpan<char>.Empty;
        if (i < number.Length && number[i] == '.')
        {
            var fractionStart = ++i;
            while (i < number.Length && char.IsAsciiDigit(number[i]))
            {
                i++;
            }

            fractionDigits = number[fractionStart..i];
            if (fractionDigits.IsEmpty)
            {
                return false;
            }
        }

        long exponent = 0;
        if (i < number.Length && number[i] is 'e' or 'E')
        {
            i++;
            var negative = i < number.Length && number[i] == '-';
            if (i < number.Length && number[i] is '+' or '-')
            {
                i++;
            }

            var exponentStart = i;
            while (i < number.Length && char.IsAsciiDigit(number[i]))
            {
                // Saturates far beyond any length the body limit allows: the verdict is the same from there on.
                exponent = Math.Min((exponent * 10) + (number[i] - '0'), 1_000_000_000);
                i++;
            }

            if (i == exponentStart)
            {
                return false;
            }

            exponent = negative ? -exponent : exponent;
        }

        if (integerDigits.IsEmpty || i != number.Length)
        {
            return false;
        }

        // value = significand × 10^scale, with the significand's leading and trailing zeros dropped.
        Span<char> scratch = integerDigits.Length + fractionDigits.Length <= 256 ? stackalloc char[256] : new char[integerDigits.Length + fractionDigits.Length];
        integerDigits.CopyTo(scratch);
        fractionDigits.CopyTo(scratch[integerDigits.Length..]);
        var significand = scratch[..(integerDigits.Length + fractionDigits.Length)].TrimStart('0');
        var trimmed = significand.TrimEnd('0');
        var scale = exponent - fractionDigits.Length + (significand.Length - trimmed.Length);
        if (trimmed.IsEmpty)
        {
            return false; // zero
        }

        // Hundredths = significand × 10^(scale + 2): a whole number only when scale + 2 ≥ 0 (the significand ends in
        // a non-zero digit), and at most 5000, i.e. at most four digits.
        var shift = scale + 2;
        if (shift < 0 || trimmed.Length + shift > 4)
        {
            return false;
        }

        var hundredths = 0;
        foreach (var digit in trimmed)
        {
            hundredths = (hundredths * 10) + (digit - '0');
        }

        for (var k = 0; k < shift; k++)
        {
            hundredths *= 10;
        }

        if (hundredths < MinOrder.HundredthsOfKg || hundredths > MaxOrder.HundredthsOfKg)
        {
            return false;
        }

        weight = new Weight(hundredths);
        return true;
    }

    /// <summary>Kilograms as an exact decimal (e.g. 5.05).</summary>
    public decimal Kilograms => HundredthsOfKg / 100m;

    public static Weight operator +(Weight a, Weight b) => new(checked(a.HundredthsOfKg + b.HundredthsOfKg));

    public static Weight operator -(Weight a, Weight b) => FromHundredthsOfKg(checked(a.HundredthsOfKg - b.HundredthsOfKg));

    public static bool operator <(Weight a, Weight b) => a.HundredthsOfKg < b.HundredthsOfKg;

    public static bool operator >(Weight a, Weight b) => a.HundredthsOfKg > b.HundredthsOfKg;

    public static bool operator <=(Weight a, Weight b) => a.HundredthsOfKg <= b.HundredthsOfKg;

    public static bool operator >=(Weight a, Weight b) => a.HundredthsOfKg >= b.HundredthsOfKg;

    public int CompareTo(Weight other) => HundredthsOfKg.CompareTo(other.HundredthsOfKg);

    public override string ToString() => Kilograms.ToString(CultureInfo.InvariantCulture);
}
