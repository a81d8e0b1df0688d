using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;
using SweetsStore.Api.Contracts;
using SweetsStore.Data.Idempotency;
using SweetsStore.Data.Imports;

namespace SweetsStore.Api.Imports;

/// <summary>
/// One import streamed end to end, the synchronous ones (<see cref="SyncImports"/>) and the background job
/// (<see cref="ImportJob"/>) alike: body chunks in, elements validated as they complete (<see cref="ImportElements{T}"/>),
/// valid rows straight into the COPY of an <see cref="ImportSession{T}"/>. Parsing overlaps the database's work and the
/// body is never held whole. Once anything is invalid, copying stops (the session rolls back) but validation goes
/// on, so the report lists every bad element.
/// </summary>
public sealed class ImportLoader<T>(string format, long maxElements, ImportElements<T> elements, ImportTable<T> table)
    where T : class
{
    private static readonly JsonDocumentOptions ElementOptions = new() { MaxDepth = 32 };

    private readonly ImportStream _stream = NumberLinesOf(elements, format, maxElements);
    private readonly List<T> _ready = [];

    /// <summary>The valid elements' ids with their positions, in order (for the answer and for "already exists").</summary>
    public List<(long Id, int Index)> Ids { get; } = [];

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
        await foreach (var chunk in body)
        {
            await PushAsync(session, chunk, isFinal: false, ct);
            if (afterChunk is not null)
            {
                await afterChunk();
            }
        }

        await PushAsync(session, ReadOnlyMemory<byte>.Empty, isFinal: true, ct);
        if (Failed)
        {
            return ImportOutcome.Invalid;
        }

        if (!await session.CompleteAsync(ct))
        {
            // The unique violation waited for the conflicting import: its rows are committed now, unless it rolled back.
            await session.RollbackAsync(ct);
            var existing = await session.ExistingAsync(Ids.Select(i => i.Id).ToArray(), ct);
            if (existing.Count == 0)
            {
                return ImportOutcome.RaceLost;
            }

            var index = Ids.ToDictionary(i => i.Id, i => i.Index);
            elements.RejectExisting(existing, id => index[id]);
            return ImportOutcome.IdsExist;
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

    private async Task PushAsync(ImportSession<T> session, ReadOnlyMemory<byte> chunk, bool isFinal, CancellationToken ct)
    {
        _stream.Push(chunk.Span, isFinal, Accept);
        if (Failed)
        {
            _ready.Clear();
            await session.CancelAsync();
            return;
        }

        // Once the server refused a row (an id that exists) nothing more is written: reading goes on to report what is invalid.
        await session.WriteAsync(_ready, ct);
        _ready.Clear();
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
                elements.Reject(new ElementError(null, index, FieldErrors.Of("data[" + index + "]", reason)));
                return;
            }

            using (document)
            {
                if (elements.Add(document.RootElement, index) is { } item && !Failed)
                {
                    _ready.Add(item);
                    Ids.Add((table.IdOf(item), index));
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    // An NDJSON body's bad elements are also named by their line (ElementError.Line).
    private static ImportStream NumberLinesOf(ImportElements<T> elements, string format, long maxElements)
    {
        elements.NumberLines = format == ImportStream.NdJson;
        return new ImportStream(format, maxElements);
    }
}
