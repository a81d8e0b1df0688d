using Npgsql;
using NpgsqlTypes;
using SweetsStore.Data.Idempotency;

namespace SweetsStore.Data.Imports;

/// <summary>
/// An upload in progress: chunks go into <c>import_chunks</c> with COPY on one transaction. Nothing is visible until
/// <see cref="CommitAsync"/>; disposing before that leaves nothing behind. Its job is enqueued after the commit
/// (docs/decisions/0011: a crash in between leaves an import without a job, which the orphan sweep enqueues).
/// </summary>
public sealed class ImportUpload(
    NpgsqlConnection connection, NpgsqlTransaction tx, NpgsqlBinaryImporter copy, long importId, IdempotencyHook<ImportView>? idempotency)
    : IAsyncDisposable
{
    private int _seq;
    private bool _copyOpen = true;

    public long ImportId { get; } = importId;

    public async Task WriteChunkAsync(byte[] data, int length, CancellationToken ct)
    {
        await copy.StartRowAsync(ct);
        await copy.WriteAsync(ImportId, NpgsqlDbType.Bigint, ct);
        await copy.WriteAsync(_seq++, NpgsqlDbType.Integer, ct);
        await copy.WriteAsync(length == data.Length ? data : data.AsSpan(0, length).ToArray(), NpgsqlDbType.Bytea, ct);
    }

    /// <summary>Stores the body's size and row count and commits: the import is <c>queued</c>.</summary>
    public async Task CommitAsync(long bytes, long rowsTotal, CancellationToken ct)
    {
        await copy.CompleteAsync(ct);
        await copy.DisposeAsync();
        _copyOpen = false;
        await using (var update = Sql.Command(connection,
            "UPDATE imports SET bytes = $2, rows_total = $3 WHERE import_id = $1",
            Sql.P(ImportId), Sql.P(bytes), Sql.P(rowsTotal)))
        {
            await update.ExecuteNonQueryAsync(ct);
        }

        if (idempotency is not null)
        {
            await idempotency.SaveAsync(connection, await ImportStore.ReadViewAsync(connection, ImportId, ct), ct);
        }

        await tx.CommitAsync(ct);
        idempotency?.Committed();
    }

    public async ValueTask DisposeAsync()
    {
        if (_copyOpen)
        {
            await copy.DisposeAsync();
        }

        await tx.DisposeAsync();
        await connection.DisposeAsync();
    }
}
