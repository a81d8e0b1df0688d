using System.Buffers;
using Npgsql;
using SweetsStore.Data.Idempotency;

namespace SweetsStore.Data.Imports;

/// <summary>
/// One import's transaction: rows streamed into their table with binary COPY (the fastest way into PostgreSQL), one COPY
/// per batch (<see cref="CopyAsync"/>), all or nothing. Nothing is visible until <see cref="CommitAsync"/>; disposing
/// before that rolls back. Opened by <see cref="ImportStore.BeginLoadAsync{T}"/> for the synchronous imports and the
/// background job alike. A batch may be copied on another thread while its caller reads the next one, but only one
/// statement runs at a time: nothing else is called on a session while a <see cref="CopyAsync"/> runs, except
/// <see cref="Stop"/>.
/// </summary>
public sealed class ImportSession<T> : IAsyncDisposable
{
    // Rows of one id lookup: an array parameter of 50,000 ids is a few hundred KiB.
    private const int LookupSlice = 50_000;

    // Rows go to the server in writes of this size (whole rows; a larger row alone).
    private const int StagingBytes = 64 * 1024;

    // PGCOPY's binary header: the signature, no flags, no header extension.
    private static readonly byte[] Header = [.. "PGCOPY\n"u8, 0xFF, (byte)'\r', (byte)'\n', 0, 0, 0, 0, 0, 0, 0, 0, 0];

    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _tx;
    private readonly ImportTable<T> _table;
    private readonly Task _claim; // an Idempotency-Key's claim, sent at the start and awaited before the first other statement
    private readonly List<long> _blocks = []; // this import's blocks of seq values (OrderSeq), one per 2^24 positions
    private NpgsqlRawCopyStream? _copy;
    private volatile bool _stopped;

    private ImportSession(NpgsqlConnection connection, NpgsqlTransaction tx, ImportTable<T> table, Task claim)
    {
        _connection = connection;
        _tx = tx;
        _table = table;
        _claim = claim;
    }

    /// <summary>
    /// True once the server refused a row because its id already exists (a unique violation): nothing more is copied,
    /// and the import can only fail (roll back, then <see cref="ExistingAsync"/> says which ids).
    /// </summary>
    public bool IdExists { get; private set; }

    /// <summary>
    /// Copies <paramref name="batch"/>'s rows in their order, in one COPY; with a table that <see cref="ImportTable{T}.SortsBatches"/>,
    /// each row's <c>seq</c> comes from its position (<see cref="OrderSeq"/>). Nothing once the import has failed
    /// (<see cref="IdExists"/>, <see cref="Stop"/>); a <see cref="Stop"/> during the COPY cancels it.
    /// </summary>
    public async Task CopyAsync(CopyBatch batch, CancellationToken ct)
    {
        if (IdExists || _stopped || batch.Count == 0)
        {
            return;
        }

        await _claim; // a refused key fails the import here, before any row is written
        Func<int, long>? seq = null;
        if (_table.SortsBatches)
        {
            await ReserveSeqAsync(batch.LastPosition, ct);
            seq = position => OrderSeq.Of(_blocks, position);
        }

        var staging = ArrayPool<byte>.Shared.Rent(StagingBytes);
        var copy = _copy = await _connection.BeginRawBinaryCopyAsync(_table.Copy, ct);
        try
        {
            Header.CopyTo(staging, 0);
            var used = Header.Length;
            foreach (var row in batch.Rows(ImportTable<T>.SeqOffset, seq))
            {
                if (used + row.Length > staging.Length)
                {
                    if (_stopped)
                    {
                        return; // cancelled below
                    }

                    await copy.WriteAsync(staging.AsMemory(0, used), ct);
                    used = 0;
                }

                if (row.Length > staging.Length)
                {
                    await copy.WriteAsync(row, ct);
                    continue;
                }

                row.Span.CopyTo(staging.AsSpan(used));
                used += row.Length;
            }

            if (used + 2 > staging.Length)
            {
                await copy.WriteAsync(staging.AsMemory(0, used), ct);
                used = 0;
            }

            staging[used++] = 0xFF; // the trailer: a field count of -1
            staging[used++] = 0xFF;
            await copy.WriteAsync(staging.AsMemory(0, used), ct);
            _copy = null;
            await copy.DisposeAsync(); // ends the COPY: a refused row's error comes here
        }
        catch (PostgresException e) when (e.IsUniqueViolation())
        {
            IdExists = true;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(staging);
            await CancelAsync();
        }
    }

    /// <summary>The import has failed: a COPY in progress stops without its rows, and none follows. Any thread.</summary>
    public void Stop() => _stopped = true;

    /// <summary>
    /// Cancels the COPY in progress, if any; the server then reports why it had already stopped, if it had (an id that
    /// exists, kept in <see cref="IdExists"/>).
    /// </summary>
    private async Task CancelAsync()
    {
        var copy = _copy;
        _copy = null;
        if (copy is null)
        {
            return;
        }

        try
        {
            await copy.CancelAsync();
        }
        catch (PostgresException e)
        {
            IdExists |= e.IsUniqueViolation();
        }
        finally
        {
            await copy.DisposeAsync();
        }
    }

    // One nextval per 2^24 rows: block i holds positions i × 2^24 and on. Blocks only grow, so seq follows the position.
    private async Task ReserveSeqAsync(int lastPosition, CancellationToken ct)
    {
        while (_blocks.Count <= lastPosition >> OrderSeq.PositionBits)
        {
            await using var command = Sql.Command(_connection, OrderSeq.NextBlock);
            _blocks.Add((long)(await command.ExecuteScalarAsync(ct))!);
        }
    }

    /// <summary>Which of <paramref name="ids"/> exist in the table, ascending (after a rollback: what a conflicting import committed).</summary>
    public async Task<IReadOnlyList<long>> ExistingAsync(IReadOnlyList<long> ids, CancellationToken ct)
    {
        await SettledAsync();
        var existing = new List<long>();

        // Only ids between the table's lowest and highest can exist (two reads at the ends of its key): an import of new
        // ids above the stored ones, the usual kind, is then answered without a lookup per id.
        long low, high;
        await using (var range = Sql.Command(_connection, $"SELECT min({_table.IdColumn}), max({_table.IdColumn}) FROM {_table.Table}"))
        await using (var ends = await range.ExecuteReaderAsync(ct))
        {
            await ends.ReadAsync(ct);
            if (ends.IsDBNull(0))
            {
                return existing; // an empty table
            }

            (low, high) = (ends.GetInt64(0), ends.GetInt64(1));
        }

        var inRange = ids.Where(id => id >= low && id <= high).ToList();
        for (var start = 0; start < inRange.Count; start += LookupSlice)
        {
            var slice = inRange.Skip(start).Take(LookupSlice).ToArray();
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
    public async Task<bool> FinishAsync(ImportRun run, long rows, CancellationToken ct)
    {
        await _claim;
        return await ImportStore.FinishAsync(_connection, run, ImportStatus.Succeeded, rows, 0, null, null, ct);
    }

    /// <summary>Stores an Idempotency-Key's answer in this transaction (after the last <see cref="CopyAsync"/>).</summary>
    public async Task SaveAsync<TAnswer>(IdempotencyHook<TAnswer> idempotency, TAnswer answer, CancellationToken ct)
    {
        await _claim; // an import without rows copied none, so its claim may not have been awaited yet
        await idempotency.SaveAsync(_connection, answer, ct);
    }

    public async Task RollbackAsync(CancellationToken ct)
    {
        await SettledAsync();
        await _tx.RollbackAsync(ct);
    }

    public async Task CommitAsync(CancellationToken ct)
    {
        await _claim;
        await _tx.CommitAsync(ct);
    }

    public async ValueTask DisposeAsync()
    {
        await SettledAsync();
        await CancelAsync();
        await _tx.DisposeAsync();
        await _connection.DisposeAsync();
    }

    // The claim has finished with the connection, whatever its outcome: for a rollback, its refusal changes nothing (a
    // failing import has its own reason; the error answer's store claims the key again and meets the refusal there).
    private async Task SettledAsync()
    {
        try
        {
            await _claim;
        }
        catch (Exception e) when (e is PostgresException or NpgsqlException or OperationCanceledException)
        {
        }
    }

    internal static async Task<ImportSession<T>> BeginAsync(NpgsqlDataSource db, ImportTable<T> table, IdempotencyHook? idempotency, CancellationToken ct)
    {
        var connection = await db.OpenConnectionAsync(ct);
        try
        {
            var tx = await connection.BeginTransactionAsync(ct);

            // The key first, before the rows (docs/decisions/0014); its round trip runs while the first batch is read.
            var claim = idempotency is null ? Task.CompletedTask : idempotency.ClaimAsync(connection, ct);
            return new ImportSession<T>(connection, tx, table, claim);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }
}
