namespace SweetsStore.Data.Imports;

/// <summary>
/// An order's row encoded straight from what was read, without a <see cref="Domain.NewOrder"/>: the import's fast
/// path for plain valid orders (docs/decisions/0016, step 4, issue22g). The bytes are those
/// <see cref="ImportTables.Orders"/> writes for the same order (a test compares them).
/// </summary>
public static class OrderRows
{
    internal const short Fields = 6;

    /// <summary>The length of a delivery window's text, <c>"HH:MM-HH:MM"</c>.</summary>
    public const int WindowLength = 11;

    /// <summary>A batch's copy order: the pool index's (region, weight).</summary>
    internal static long SortKey(int region, int hundredthsOfKg) => ((long)region << 32) | (uint)hundredthsOfKg;

    /// <summary>
    /// Appends an order already validated by the caller: its delivery windows' texts as UTF-8, each
    /// <see cref="WindowLength"/> bytes, one after another, and their minute segments as <c>TimeWindow.Segments</c>
    /// gives them, in order.
    /// </summary>
    public static void Append(
        CopyBatch batch, long id, int hundredthsOfKg, int region, ReadOnlySpan<byte> windows, ReadOnlySpan<(int Start, int End)> segments, int position)
    {
        batch.BeginRow(Fields, SortKey(region, hundredthsOfKg), position);
        batch.Int64(id);
        batch.Int64(0); // seq: the session writes it (ImportTable.SeqOffset)
        batch.Int32(hundredthsOfKg);
        batch.Int32(region);
        batch.TextArray(windows, WindowLength);
        batch.Int4Multirange(segments);
        batch.EndRow();
    }
}
