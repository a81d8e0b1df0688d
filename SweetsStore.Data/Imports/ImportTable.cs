namespace SweetsStore.Data.Imports;

/// <summary>
/// Where the rows of one kind of import go: the table, its id column, its COPY statement, how a row is encoded for it
/// (<see cref="CopyBatch"/>), and in which order a batch is copied.
/// </summary>
public sealed class ImportTable<T>
{
    private readonly short _fields;
    private readonly Action<CopyBatch, T> _encode;
    private readonly Func<T, long>? _sortKey;

    internal ImportTable(string table, string idColumn, string copy, short fields, Action<CopyBatch, T> encode, Func<T, long> idOf, Func<T, long>? sortKey = null)
    {
        Table = table;
        IdColumn = idColumn;
        Copy = copy;
        _fields = fields;
        _encode = encode;
        IdOf = idOf;
        _sortKey = sortKey;
    }

    /// <summary>A row's id (unique in the table: a second one is refused).</summary>
    public Func<T, long> IdOf { get; }

    /// <summary>
    /// Whether a batch is copied sorted by a key (<see cref="CopyBatch.Sort"/>) rather than in request order. Then the
    /// import order is kept in each row's <c>seq</c> (<see cref="OrderSeq"/>): the second column, written when the batch
    /// is copied (<see cref="SeqOffset"/>).
    /// </summary>
    public bool SortsBatches => _sortKey is not null;

    /// <summary>Where a row's seq value lies in its encoded bytes: after the field count, the id (length and value) and seq's length.</summary>
    internal const int SeqOffset = 2 + 4 + 8 + 4;

    internal string Table { get; }

    internal string IdColumn { get; }

    internal string Copy { get; }

    /// <summary>Encodes <paramref name="item"/>, found at <paramref name="position"/> of the body, as the batch's next row.</summary>
    public void Append(CopyBatch batch, T item, int position)
    {
        batch.BeginRow(_fields, _sortKey?.Invoke(item) ?? 0, position);
        _encode(batch, item);
        batch.EndRow();
    }
}
