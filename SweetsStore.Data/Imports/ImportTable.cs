using Npgsql;

namespace SweetsStore.Data.Imports;

/// <summary>
/// Where the rows of one kind of import go: the table, its id column, how a row is written in binary COPY, and in which
/// order a batch is copied.
/// </summary>
public sealed class ImportTable<T>
{
    internal ImportTable(
        string table, string idColumn, string copy, Func<NpgsqlBinaryImporter, T, long, CancellationToken, Task> write, Func<T, long> idOf,
        Comparison<T>? copyOrder = null)
    {
        Table = table;
        IdColumn = idColumn;
        Copy = copy;
        Write = write;
        IdOf = idOf;
        CopyOrder = copyOrder;
    }

    /// <summary>A row's id (unique in the table: a second one is refused).</summary>
    public Func<T, long> IdOf { get; }

    /// <summary>
    /// Whether a batch is copied sorted (<see cref="Sort"/>) rather than in request order. Then the import order is kept
    /// in each row's <c>seq</c> (<see cref="OrderSeq"/>), which <see cref="Write"/> is given.
    /// </summary>
    public bool SortsBatches => CopyOrder is not null;

    internal string Table { get; }

    internal string IdColumn { get; }

    internal string Copy { get; }

    /// <summary>Writes one row: the importer, the row, its <c>seq</c> (0 unless <see cref="SortsBatches"/>).</summary>
    internal Func<NpgsqlBinaryImporter, T, long, CancellationToken, Task> Write { get; }

    private Comparison<T>? CopyOrder { get; }

    /// <summary>Puts <paramref name="batch"/> in the order it is copied in: <see cref="CopyOrder"/>, ties in import order.</summary>
    public void Sort(List<ImportRow<T>> batch)
    {
        if (CopyOrder is { } order)
        {
            batch.Sort((a, b) => order(a.Item, b.Item) is var c && c != 0 ? c : a.Position.CompareTo(b.Position));
        }
    }
}
