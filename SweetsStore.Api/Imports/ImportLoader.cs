using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Npgsql;
using SweetsStore.Api.Contracts;
using SweetsStore.Data.Idempotency;
using SweetsStore.Data.Imports;

namespace SweetsStore.Api.Imports;

/// <summary>
/// One import streamed end to end, the synchronous ones (<see cref="SyncImports"/>) and the background job
/// (<see cref="ImportJob"/>) alike: body chunks in, elements validated as they complete (<see cref="ImportElements{T}"/>),
/// valid rows gathered into batches of <paramref name="batchRows"/>, each sorted as its table wants
/// (<see cref="CopyBatch.Sort"/>: orders in pool-index order) and COPYed into the one transaction of an
/// <see cref="ImportSession{T}"/> on its own task while the next batch is read: parsing overlaps the database's work,
/// and the import holds two batches at most, never the body whole. Once anything is invalid, copying stops (the
/// session rolls back) but validation goes on, so the report lists every bad element, in whichever batch.
/// docs/decisions/0016, step 4.
/// </summary>
public sealed class ImportLoader<T>(string format, long maxElements, ImportElements<T> elements, ImportTable<T> table, int batchRows)
    where T : class
{
    // Unsorted rows gain nothing from a large batch; a small one starts their COPY sooner.
    private const int UnsortedBatchRows = 4096;

    private static readonly JsonDocumentOptions ElementOptions = new() { MaxDepth = 32 };

    private readonly ImportStream _stream = NumberLinesOf(elements, format, maxElements);
    private readonly int _batchRows = table.SortsBatches ? batchRows : Math.Min(batchRows, UnsortedBatchRows);

    // Batches grow from 4,096 rows to _batchRows (doubling): the first COPY starts after a few milliseconds of reading,
    // not after a whole batch's, so a small import still overlaps its reading with its COPY.
    private int _nextBatchRows = Math.Min(batchRows, UnsortedBatchRows);
    private readonly Queue<CopyBatch> _full = new(); // read whole, not handed over yet (a chunk may fill more than one)
    private CopyBatch _batch = new();
    private Task _copying = Task.CompletedTask; // the batch in the database

    /// <summary>
    /// The valid elements' ids, in order (for the answer and for "already exists"), taken while nothing failed: an
    /// id's position here is its element's index.
    /// </summary>
    public List<long> Ids { get; } = [];

    // The valid elements after the first invalid one, with their index: once the body is read, the ones whose id
    // already exists are reported too (the contract lists every invalid element, whatever else is wrong).
    private readonly List<(long Id, int Index)> _validAfterFailure = [];

    public int Elements => _stream.Elements;

    public long Invalid => elements.Invalid;

    public bool Failed => _stream.Failed || elements.Invalid > 0;

    /// <summary>A request body as the chunks <see cref="LoadAsync"/> takes (128 KiB at a time, one buffer).</summary>
    public static async IAsyncEnumerable<ReadOnlyMemory<byte>> ChunksOf(Stream body, [EnumeratorCancellation] CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(128 * 1024);
        try
        {
            int read;
            while ((read = await body.ReadAsync(buffer, ct)) > 0)
            {
                yield return buffer.AsMemory(0, read);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>
    /// Reads <paramref name="body"/> to its end into a new session of <paramref name="imports"/> and commits it when
    /// everything is valid and new and <paramref name="beforeCommit"/> (in the same transaction) agrees. With an
    /// <paramref name="idempotency"/> hook the transaction claims its key first (docs/decisions/0014).
    /// <paramref name="afterChunk"/> runs after each chunk (progress).
    /// </summary>
    public async Task<ImportOutcome> LoadAsync(
        ImportStore imports, IAsyncEnumerable<ReadOnlyMemory<byte>> body, IdempotencyHook? idempotency, Func<Task>? afterChunk,
        Func<ImportSession<T>, Task<bool>>? beforeCommit, CancellationToken ct)
    {
        await using var session = await imports.BeginLoadAsync(table, idempotency, ct);
        try
        {
            await foreach (var chunk in body)
            {
                await PushAsync(session, chunk, isFinal: false, ct);
                if (afterChunk is not null)
                {
                    await afterChunk();
                }
            }

            await PushAsync(session, ReadOnlyMemory<byte>.Empty, isFinal: true, ct);
            await _copying; // the last batch
            _batch.Dispose();
        }
        catch
        {
            // The session (and its connection) goes next: no COPY may still be running on it.
            await StopCopyingAsync(session);
            throw;
        }

        if (Failed)
        {
            if (!_stream.Failed)
            {
                // The copying stopped at the first invalid element, so no unique violation says which of the valid
                // elements' ids already exist: they are looked up now that the body is read (the failure path only).
                await session.RollbackAsync(ct);
                await RejectExistingAsync(session, [.. Ids, .. _validAfterFailure.Select(v => v.Id)], ct);
            }

            return ImportOutcome.Invalid;
        }

        if (session.IdExists)
        {
            // The unique violation waited for the conflicting import: its rows are committed now, unless it rolled back.
            await session.RollbackAsync(ct);
            return await RejectExistingAsync(session, Ids, ct) ? ImportOutcome.IdsExist : ImportOutcome.RaceLost;
        }

        if (beforeCommit is not null && !await beforeCommit(session))
        {
            await session.RollbackAsync(ct);
            return ImportOutcome.Superseded;
        }

        await session.CommitAsync(ct);
        return ImportOutcome.Loaded;
    }

    /// <summary>The 400 for a failed import: the body's problem (with the list, empty), or every bad element.</summary>
    public ContractValidationException Error() =>
        _stream.Failed ? ContractValidationException.OfImportBody(elements.Collection, _stream.Errors!) : elements.ToException();

    // Reports the valid elements whose id is in the table now ("already exists"), in the order they were sent among the
    // others; false when none is.
    private async Task<bool> RejectExistingAsync(ImportSession<T> session, IReadOnlyList<long> ids, CancellationToken ct)
    {
        var existing = await session.ExistingAsync(ids, ct);
        if (existing.Count == 0)
        {
            return false;
        }

        // Only the existing ones are looked up (a few, usually), not a dictionary of every id.
        var wanted = new IdSet();
        foreach (var id in existing)
        {
            wanted.Add(id);
        }

        var index = new Dictionary<long, int>(wanted.Count, IdSet.Comparer);
        for (var position = 0; position < Ids.Count && index.Count < wanted.Count; position++)
        {
            if (wanted.Contains(Ids[position]))
            {
                index[Ids[position]] = position;
            }
        }

        foreach (var (id, at) in _validAfterFailure)
        {
            if (wanted.Contains(id))
            {
                index[id] = at;
            }
        }

        elements.RejectExisting(existing, id => index[id]);
        return true;
    }

    private async Task PushAsync(ImportSession<T> session, ReadOnlyMemory<byte> chunk, bool isFinal, CancellationToken ct)
    {
        _stream.Push(chunk.Span, isFinal, Accept);
        if (Failed)
        {
            DropBatches();
            session.Stop(); // the batch in the database stops there; LoadAsync still waits for it
            return;
        }

        if (isFinal && _batch.Count > 0)
        {
            _full.Enqueue(_batch);
            _batch = new CopyBatch();
        }

        while (_full.TryDequeue(out var batch))
        {
            await HandOverAsync(session, batch, ct);
        }
    }

    // A full batch is sorted here, while the previous one is still being copied, then waits for that one to end: one
    // batch in the database and one being read, so memory stays bounded however long the body. The copier disposes it.
    private async Task HandOverAsync(ImportSession<T> session, CopyBatch batch, CancellationToken ct)
    {
        try
        {
            if (table.SortsBatches)
            {
                batch.Sort();
            }

            await _copying;
        }
        catch
        {
            batch.Dispose();
            throw;
        }

        if (session.IdExists) // once the server refused an id nothing more is written: reading goes on to report what is invalid
        {
            batch.Dispose();
            return;
        }

        _copying = Task.Run(async () =>
        {
            using (batch)
            {
                await session.CopyAsync(batch, ct);
            }
        }, ct);
    }

    private void DropBatches()
    {
        while (_full.TryDequeue(out var batch))
        {
            batch.Dispose();
        }

        _batch.Dispose();
        _batch = new CopyBatch();
    }

    private async Task StopCopyingAsync(ImportSession<T> session)
    {
        DropBatches();
        session.Stop();
        try
        {
            await _copying;
        }
        catch (Exception e) when (e is PostgresException or NpgsqlException or OperationCanceledException or IOException)
        {
            // The import is failing already, for the reason its caller sees; this batch's end adds nothing to it.
        }
    }

    /// <summary>The batch being filled (tests compare its rows).</summary>
    internal CopyBatch Batch => _batch;

    /// <summary>Takes one element of the body (<see cref="ImportStream"/>'s sink); internal for tests.</summary>
    internal void Accept(int index, ReadOnlySpan<byte> json)
    {
        // Most elements are plainly valid: read once from the body's bytes and encoded, no document, no objects.
        if (elements.FastPath is { } fast && fast.TryRead(json, out var id) && elements.TryAddValid(id))
        {
            if (Failed)
            {
                _validAfterFailure.Add((id, index));
            }
            else
            {
                fast.Append(_batch, index);
                Ids.Add(id);
                EndRow();
            }

            return;
        }

        var rented = ArrayPool<byte>.Shared.Rent(json.Length);
        try
        {
            json.CopyTo(rented);
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(rented.AsMemory(0, json.Length), ElementOptions);
            }
            catch (JsonException)
            {
                // Only an NDJSON line gets here (the JSON scanner has checked every element).
                var reason = JsonSyntax.Describe(json, ElementOptions.MaxDepth, "line", line: _stream.LineOf(index));
                elements.Reject(new ElementError(null, index, FieldErrors.Of("data[" + index + "]", reason)));
                return;
            }

            using (document)
            {
                if (elements.Add(document.RootElement, index) is not { } item)
                {
                    return;
                }

                if (Failed)
                {
                    _validAfterFailure.Add((table.IdOf(item), index));
                }
                else
                {
                    table.Append(_batch, item, index);
                    Ids.Add(table.IdOf(item));
                    EndRow();
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    // A row was appended: a full batch waits to be handed over.
    private void EndRow()
    {
        if (_batch.Count == _nextBatchRows)
        {
            _full.Enqueue(_batch);
            _batch = new CopyBatch();
            _nextBatchRows = Math.Min(_nextBatchRows * 2, _batchRows);
        }
    }

    // An NDJSON body's bad elements are also named by their line (ElementError.Line).
    private static ImportStream NumberLinesOf(ImportElements<T> elements, string format, long maxElements)
    {
        var stream = new ImportStream(format, maxElements);
        elements.LineOf = format == ImportStream.NdJson ? stream.LineOf : null;
        return stream;
    }
}
