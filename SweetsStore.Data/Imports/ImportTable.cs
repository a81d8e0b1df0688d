using Npgsql;

namespace SweetsStore.Data.Imports;

/// <summary>Where the rows of one kind of import go: the table, its id column, and how a row is written in binary COPY.</summary>
public sealed class ImportTable<T>
{
    internal ImportTable(string table, string idColumn, string copy, Func<NpgsqlBinaryImporter, T, CancellationToken, Task> write, Func<T, long> idOf)
    {
        Table = table;
        IdColumn = idColumn;
        Copy = copy;
        Write = write;
        IdOf = idOf;
    }

    /// <summary>A row's id (unique in the table: a second one is refused).</summary>
    public Func<T, long> IdOf { get; }

    internal string Table { get; }

    internal string IdColumn { get; }

    internal string Copy { get; }

    internal Func<NpgsqlBinaryImporter, T, CancellationToken, Task> Write { get; }
}
