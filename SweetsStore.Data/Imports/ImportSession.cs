using Npgsql;
using SweetsStore.Data.Idempotency;

namespace SweetsStore.Data.Imports;

/// <summary>
/// One import's transaction: rows streamed into their table with binary COPY (the fastest way into PostgreSQL), all or
/// nothing. Nothing is visible until <see cref="CommitAsync"/>; disposing before that cancels the COPY and rolls back.
/// Opened by <see cref="ImportStore.BeginLoadAsync{T}"/> for the synchronous imports and the background job alike.
/// </summary>
public sealed class ImportSession<T> : IAsyncDisposable
{
    // Rows of one id lookup: an array parameter of 50,000 ids is a few hundred KiB.
    private const int LookupSlice = 50_000;

    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _tx;
    private readonly ImportTable<T> _table;
    private NpgsqlBinaryImporter? _copy;

    private ImportSession(NpgsqlConnection connection, NpgsqlTransaction tx, ImportTable<T> table, NpgsqlBinaryImporter copy)
    {
        _connection = connection;
        _tx = tx;
        _table = table;
        _copy = copy;
    }

    /// <summary>
    /// True once the server refused a row because its id already exists (a unique violation): the COPY is over, and
    /// the import can only fail (roll back, then <see cref="ExistingAsync"/> says which ids).
    /// </summary>
    public bool IdExists { get; private set; }

    /// <summary>Writes <paramref name="rows"/> into the COPY; nothing once it is over (<see cref="IdExists"/>, <see cref="CancelAsync"/>).</summary>
    public async Task WriteAsync(IReadOnlyList<T> rows, CancellationToken ct)
    {
        if (_copy is not { } copy)
        {
            return;
        }

        try
        {
            foreach (var row in rows)
            {
                await copy.StartRowAsync(ct);
                await _table.Write(copy, row, ct);
            }
        }
        catch (PostgresException e) when (e.IsUniqueViolation())
        {
            IdExists = true;
            await CancelAsync();
        }
    }

    /// <summary>
    /// Stops the COPY without its rows (the import has failed). Cancelling makes the server report why it had already
    /// stopped, if it had (an id that exists): that is kept in <see cref="IdExists"/>.
    /// </summary>
    public async Task CancelAsync()
    {
        var copy = _copy;
        _copy = null;
        if (copy is null)
        {
            return;
        }

        try
        {
            await copy.DisposeAsync();
        }
        catch (PostgresException e)
        {
            IdExists |= e.IsUniqueViolation();
        }
    }

    /// <summary>Ends the COPY. False when some id already exists: roll back, then ask <see cref="ExistingAsync"/>.</summary>
    public async Task<bool> CompleteAsync(CancellationToken ct)
    {
        if (IdExists)
        {
            return false;
        }

        var copy = _copy ?? throw new InvalidOperationException("the COPY is closed: the import has failed");
        try
        {
            await copy.CompleteAsync(ct);
            return true;
        }
        catch (PostgresException e) when (e.IsUniqueViolation())
        {
            IdExists = true;
            return false;
        }
        finally
        {
            _copy = null;
            await copy.DisposeAsync();
        }
    }

    /// <summary>Which of <paramref name="ids"/> exist in the table, ascending (after a rollback: what a conflicting import committed).</summary>
    public async Task<IReadOnlyList<long>> ExistingAsync(IReadOnlyList<long> ids, CancellationToken ct)
    {
        var existing = new List<long>();
        for (var start = 0; start < ids.Count; start += LookupSlice)
        {
            var slice = ids.Skip(start).Take(LookupSlice).ToArray();
            await using var command = Sql.Command(_connection,
                $"SELECT {_table.IdColumn} FROM {_table.Table} WHERE {_table.IdColumn} = ANY($1)", Sql.P(slice));
            await using var reader = await command.ExecuteReaderAsync(ct);
            while (await reader.ReadAsync(ct))
            {
                existing.Add(reader.GetInt64(0));
            }
        }

        existing.Sort();
        return existing;
    }

    /// <summary>
    /// Ends background import <paramref name="run"/> as succeeded with <paramref name="rows"/> rows, in this transaction
    /// and only while the run still holds the import (<see cref="ImportStore.FinishAsync"/>). False: it does not; roll back.
    /// </summary>
    public Task<bool> FinishAsync(ImportRun run, long rows, CancellationToken ct) =>
        ImportStore.FinishAsync(_connection, run, ImportStatus.Succeeded, rows, 0, null, null, ct);

    /// <summary>Stores an Idempotency-Key's answer in this transaction (after <see cref="CompleteAsync"/>).</summary>
    public Task SaveAsync<TAnswer>(IdempotencyHook<TAnswer> idempotency, TAnswer answer, CancellationToken ct) =>
        idempotency.SaveAsync(_connection, answer, ct);

    public Task RollbackAsync(CancellationToken ct) => _tx.RollbackAsync(ct);

    public Task CommitAsync(CancellationToken ct) => _tx.CommitAsync(ct);

    public async ValueTask DisposeAsync()
    {
        await CancelAsync();
        await _tx.DisposeAsync();
        await _connection.DisposeAsync();
    }

    internal static async Task<ImportSession<T>> BeginAsync(NpgsqlDataSource db, ImportTable<T> table, IdempotencyHook? idempotency, CancellationToken ct)
    {
        var connection = await db.OpenConnectionAsync(ct);
        try
        {
            var tx = await connection.BeginTransactionAsync(ct);
            if (idempotency is not null)
            {
                await idempotency.ClaimAsync(connection, ct); // the key first, before the rows (docs/decisions/0014)
            }

            return new ImportSession<T>(connection, tx, table, await connection.BeginBinaryImportAsync(table.Copy, ct));
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
