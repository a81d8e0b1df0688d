namespace SweetsStore.Data.Imports;

/// <summary>What an import loads (stored as <c>orders</c> or <c>couriers</c>).</summary>
public enum ImportKind
{
    Orders,
    Couriers,
}
