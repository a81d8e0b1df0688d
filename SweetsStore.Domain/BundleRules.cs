namespace SweetsStore.Domain;

/// <summary>
/// When a bundle (the orders one assign handed to a courier) is finished, and what it pays. The SQL that finishes
/// bundles in one statement (Data's <c>Bundles</c>) evaluates these same conditions and takes <see cref="PayUnit"/> as a
/// parameter; the coefficient is the one stored with the bundle at assignment.
/// </summary>
public static class BundleRules
{
    /// <summary>A finished bundle with a delivery pays this many units × the courier-type coefficient C.</summary>
    public const int PayUnit = 500;

    /// <summary>
    /// Finished once none of its orders is open (assigned, not delivered): each was delivered, or released by a courier
    /// edit. A bundle all of whose orders were released is finished too (and pays nothing).
    /// </summary>
    public static bool IsFinished(int openOrders) =>
        openOrders >= 0 ? openOrders == 0 : throw new ArgumentOutOfRangeException(nameof(openOrders), openOrders, "cannot be negative");

    /// <summary>What a finished bundle pays: <see cref="PayUnit"/> × <paramref name="coefficient"/> when at least one of its orders was delivered, else 0.</summary>
    public static long Pay(int coefficient, bool anyDelivered) => anyDelivered ? (long)PayUnit * coefficient : 0;
}
