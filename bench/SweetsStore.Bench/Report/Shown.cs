namespace SweetsStore.Bench.Report;

/// <summary>
/// Rounding of a row's figures that never crosses its target: a figure that must reach a floor is rounded down, one
/// that must stay under a ceiling is rounded up. Otherwise 0.8996 against "≥ 0.9" is shown as 0.9 and marked not met
/// (<c>idempotency_assign_1m</c> in the full run of 2026-12-05 03:14). <c>met</c> is always decided on the unrounded
/// figure.
/// </summary>
internal static class Shown
{
    /// <summary><paramref name="value"/> rounded down to <paramref name="digits"/> decimals (for "≥" and "&lt;" targets).</summary>
    public static double Floor(double value, int digits = 0) => Math.Round(value, digits, MidpointRounding.ToNegativeInfinity);

    /// <summary><paramref name="value"/> rounded up to <paramref name="digits"/> decimals (for "≤" targets).</summary>
    public static double Ceiling(double value, int digits = 0) => Math.Round(value, digits, MidpointRounding.ToPositiveInfinity);
}
