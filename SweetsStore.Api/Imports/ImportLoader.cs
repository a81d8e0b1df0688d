using System.Buffers;
using System.Text.Json;
using Npgsql;
using SweetsStore.Api.Contracts;
using SweetsStore.Data;

namespace SweetsStore.Api.Imports;

/// <summary>
/// One import streamed end to end: body chunks in, elements validated as they complete
/// (<see cref="ImportElements{T}"/>), valid rows straight into a binary COPY on the caller's transaction.
/// Parsing overlaps the database's work and the body is never held whole. Once anything is invalid, copying
/// stops (the caller rolls back) but validation goes on, so the report lists every bad element.
/// Used by the synchronous imports and by the background import job alike.
/// </summary>
public sealed class ImportLoader<T> : IAsyncDisposable
    where T : class
{
    private static readonly JsonDocumentOptions ElementOptions = new() { MaxDepth = 32 };

    private readonly ImportStream _stream;
    private readonly ImportElements<T> _elements;
    private readonly Func<T, long> _idOf;
    private readonly List<T> _ready = [];
    private BulkCopy<T>? _copy;
    private bool _duplicateInTable;

    private ImportLoader(ImportStream stream, ImportElements<T> elements, Func<T, long> idOf, BulkCopy<T> copy)
    {
        _stream = stream;
        _elements = elements;
        _idOf = idOf;
        _copy = copy;
    }

    /// <summary>The valid elements' ids with their positions, in order (for the answer and for "already exists").</summary>
    public List<(long Id, int Index)> Ids { get; } = [];

    public int Elements => _stream.Elements;

    public long Invalid => _elements.Invalid;

    public bool Failed => _stream.Failed || _elements.Invalid > 0;

    public static async Task<ImportLoader<T>> BeginAsync(
        NpgsqlConnection connection, string format, long maxElements, ImportElements<T> elements,
        Func<NpgsqlConnection, CancellationToken, Task<BulkCopy<T>>> beginCopy, Func<T, long> idOf, CancellationToken ct)
    {
        elements.NumberLines = format == ImportStream.NdJson;
        return new(new ImportStream(format, maxElements), elements, idOf, await beginCopy(connection, ct));
    }

    /// <summary>Feeds the next piece of the body (<paramref name="isFinal"/> on the last, possibly empty, one).</summary>
    public async Task PushAsync(ReadOnlyMemory<byte> chunk, bool isFinal, CancellationToken ct)
    {
        _stream.Push(chunk.Span, isFinal, Accept);
        if (Failed)
        {
            _ready.Clear();
            await CancelCopyAsync();
            return;
        }

        if (_copy is null)
        {
            // The server refused a row already (an id that exists): keep reading to report what is invalid.
            _ready.Clear();
            return;
        }

        try
        {
            foreach (var item in _ready)
            {
                await _copy.WriteAsync(item, ct);
            }
        }
        catch (PostgresException e) when (e.IsUniqueViolation())
        {
            _duplicateInTable = true;
            await CancelCopyAsync();
        }

        _ready.Clear();
    }

    /// <summary>Reads <paramref name="body"/> to its end through <see cref="PushAsync"/>.</summary>
    public async Task ReadAllAsync(Stream body, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(128 * 1024);
        try
        {
            while (true)
            {
                var read = await body.ReadAsync(buffer, ct);
                await PushAsync(buffer.AsMemory(0, read), read == 0, ct);
                if (read == 0)
                {
                    return;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>The 400 for a failed import: the body's problem (with the list, empty), or every bad element.</summary>
    public ContractValidationException Error() =>
        _stream.Failed ? ContractValidationException.OfImportBody(_elements.Collection, _stream.Errors!) : _elements.ToException();

    /// <summary>
    /// Ends the COPY. False when some ids already exist in the table (the COPY failed; the caller must roll back
    /// and then call <see cref="RejectExistingAsync"/>).
    /// </summary>
    public async Task<bool> CompleteAsync(CancellationToken ct)
    {
        if (_duplicateInTable)
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
            return false;
        }
        finally
        {
            await copy.DisposeAsync();
            _copy = null;
        }
    }

    /// <summary>After a failed <see cref="CompleteAsync"/> and a rollback: reports which ids exist. False if none does any more.</summary>
    public async Task<bool> RejectExistingAsync(NpgsqlConnection connection, string table, CancellationToken ct)
    {
        var existing = await BulkCopy.ExistingAsync(connection, table, Ids.Select(i => i.Id).ToArray(), ct);
        if (existing.Count == 0)
        {
            return false;
        }

        var index = Ids.ToDictionary(i => i.Id, i => i.Index);
        _elements.RejectExisting(existing, id => index[id]);
        return true;
    }

    public ValueTask DisposeAsync() => new(CancelCopyAsync());

    // Cancelling a COPY makes the server report why it had already stopped (say, an id that exists), as an
    // exception. The batch is refused and its transaction discarded either way: the validation report, or the
    // "already exists" report, is what the client gets.
    private async Task CancelCopyAsync()
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
            _duplicateInTable |= e.IsUniqueViolation();
        }
    }

    private void Accept(int index, ReadOnlySpan<byte> json)
    {
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
                // Only an NDJSON line gets here (the JSON scanner has checked every element): its line is index + 1.
                var reason = JsonSyntax.Describe(json, ElementOptions.MaxDepth, "line", line: index + 1L);
                _elements.Reject(new ElementError(null, index, FieldErrors.Of("data[" + index + "]", reason)));
                return;
            }

            using (document)
            {
                if (_elements.Add(document.RootElement, index) is { } item && !Failed)
                {
                    _ready.Add(item);
                    Ids.Add((_idOf(item), index));
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }
}
