namespace SweetsStore.Data.Imports;

/// <summary>A valid element of an import and its position in the body (its index: the import order, 0 first).</summary>
public readonly record struct ImportRow<T>(T Item, int Position);
