using System.Runtime.CompilerServices;
using NodaTime;
using Npgsql;
using NpgsqlTypes;
using SweetsStore.Data.Jobs;

namespace SweetsStore.Data.Imports;

/// <summary>An import as <c>GET /imports/{id}</c> shows it.</summary>
public sealed record ImportView(
    long Id, string Kind, string Format, string Status, long Bytes, long RowsTotal, long RowsDone, long RowsInvalid, int Attempts,
    Instant CreatedAt, Instant? StartedAt, Instant? FinishedAt, string? Error, string? Report);

/// <summary>What a job needs to know about the import it runs.</summary>
public sealed record ImportWork(long Id, string Kind, string Format, string Status, long RowsTotal);

/// <summary>Imports and their uploaded bodies, in PostgreSQL so every API process can run any import.</summary>
public sealed class ImportStore(NpgsqlDataSource db)
{
    /// <summary>The job kind that loads imports.</summary>
    public const string JobKind = "import";

    /// <summary>Opens an upload: one transaction that stores the body chunk by chunk and enqueues the job on commit.</summary>
    public async Task<ImportUpload> BeginUploadAsync(string kind, string format, CancellationToken ct)
    {
        var connection = await db.OpenConnectionAsync(ct);
        try
        {
            var tx = await connection.BeginTransactionAsync(ct);
            await using var insert = Sql.Command(connection,
                """
                INSERT INTO imports (kind, format, status, bytes, rows_total, rows_done, rows_invalid, attempts, created_at)
                VALUES ($1, $2, 'queued', 0, 0, 0, 0, 0, now())
                RETURNING import_id
                """,
                Sql.P(kind), Sql.P(format));
            var id = (long)(await insert.ExecuteScalarAsync(ct))!;
            var copy = await connection.BeginBinaryImportAsync("COPY import_chunks (import_id, seq, data) FROM STDIN (FORMAT BINARY)", ct);
            return new ImportUpload(connection, tx, copy, id);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public async Task<ImportView?> GetAsync(long id, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"{SelectView} WHERE import_id = $1");
        command.Parameters.Add(Sql.P(id));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? ReadView(reader) : null;
    }

    /// <summary>Newest first.</summary>
    public async Task<IReadOnlyList<ImportView>> ListAsync(int offset, int limit, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"{SelectView} ORDER BY import_id DESC OFFSET $1 LIMIT $2");
        command.Parameters.Add(Sql.P((long)offset));
        command.Parameters.Add(Sql.P((long)limit));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var page = new List<ImportView>();
        while (await reader.ReadAsync(ct))
        {
            page.Add(ReadView(reader));
        }

        return page;
    }

    /// <summary>Marks an attempt as started (progress back to 0) and says what to load.</summary>
    public async Task<ImportWork?> StartAsync(long id, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            """
            UPDATE imports
            SET status = CASE WHEN status IN ('queued', 'running') THEN 'running' ELSE status END,
                started_at = CASE WHEN status IN ('queued', 'running') THEN now() ELSE started_at END,
                attempts = attempts + CASE WHEN status IN ('queued', 'running') THEN 1 ELSE 0 END,
                rows_done = CASE WHEN status IN ('queued', 'running') THEN 0 ELSE rows_done END,
                rows_invalid = CASE WHEN status IN ('queued', 'running') THEN 0 ELSE rows_invalid END
            WHERE import_id = $1
            RETURNING import_id, kind, format, status, rows_total
            """);
        command.Parameters.Add(Sql.P(id));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new ImportWork(reader.GetInt64(0), reader.GetString(1), reader.GetString(2), reader.GetString(3), reader.GetInt64(4))
            : null;
    }

    /// <summary>Progress, written outside the loading transaction so readers see it move.</summary>
    public async Task ProgressAsync(long id, long rowsDone, long rowsInvalid, CancellationToken ct)
    {
        await using var command = db.CreateCommand("UPDATE imports SET rows_done = $2, rows_invalid = $3 WHERE import_id = $1 AND status = 'running'");
        command.Parameters.Add(Sql.P(id));
        command.Parameters.Add(Sql.P(rowsDone));
        command.Parameters.Add(Sql.P(rowsInvalid));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The uploaded body, chunk by chunk, streamed (never all in memory).</summary>
    public async IAsyncEnumerable<byte[]> ReadChunksAsync(long id, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var command = Sql.Command(connection, "SELECT data FROM import_chunks WHERE import_id = $1 ORDER BY seq", Sql.P(id));
        await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, ct);
        while (await reader.ReadAsync(ct))
        {
            yield return await reader.GetFieldValueAsync<byte[]>(0, ct);
        }
    }

    /// <summary>
    /// Ends the import on the caller's transaction (with the loaded rows, when it succeeded) and marks its job
    /// succeeded there too, only while <paramref name="workerId"/> still holds the job. False: the lease was
    /// lost; the caller must roll back. <c>finished_at</c> is <c>clock_timestamp()</c>: <c>now()</c> would be the
    /// start of the loading transaction, so every import would seem to take no time at all.
    /// </summary>
    public static async Task<bool> FinishAsync(
        NpgsqlConnection connection, long id, long jobId, string workerId, string status, long rowsDone, long rowsInvalid,
        string? error, string? report, CancellationToken ct)
    {
        if (!await JobStore.SucceedAsync(connection, jobId, workerId, ct))
        {
            return false;
        }

        await using var command = Sql.Command(connection,
            """
            UPDATE imports SET status = $2, rows_done = $3, rows_invalid = $4, error = $5, report = $6::jsonb,
                               finished_at = clock_timestamp() -- now() would be when this (long) transaction began
            WHERE import_id = $1
            """,
            Sql.P(id), Sql.P(status), Sql.P(rowsDone), Sql.P(rowsInvalid),
            new NpgsqlParameter<string?> { TypedValue = error, NpgsqlDbType = NpgsqlDbType.Text },
            new NpgsqlParameter<string?> { TypedValue = report, NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(ct);

        // The body is no longer needed once the import has ended.
        await using var chunks = Sql.Command(connection, "DELETE FROM import_chunks WHERE import_id = $1", Sql.P(id));
        await chunks.ExecuteNonQueryAsync(ct);
        return true;
    }

    /// <summary>The job gave up (its last attempt failed): the import fails with the reason.</summary>
    public async Task FailAsync(long id, string error, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            "UPDATE imports SET status = 'failed', error = $2, finished_at = now() WHERE import_id = $1 AND status IN ('queued', 'running')");
        command.Parameters.Add(Sql.P(id));
        command.Parameters.Add(Sql.P(error));
        await command.ExecuteNonQueryAsync(ct);
    }

    private const string SelectView =
        """
        SELECT import_id, kind, format, status, bytes, rows_total, rows_done, rows_invalid, attempts,
               created_at, started_at, finished_at, error, report::text
        FROM imports
        """;

    private static ImportView ReadView(NpgsqlDataReader r) => new(
        r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7), r.GetInt32(8),
        r.GetInstant(9), r.GetNullableInstant(10), r.GetNullableInstant(11), r.IsDBNull(12) ? null : r.GetString(12), r.IsDBNull(13) ? null : r.GetString(13));
}

/// <summary>
/// An upload in progress: chunks go into <c>import_chunks</c> with COPY on one transaction. Nothing is visible
/// (and no job exists) until <see cref="CommitAsync"/>; disposing before that leaves nothing behind.
/// </summary>
public sealed class ImportUpload(NpgsqlConnection connection, NpgsqlTransaction tx, NpgsqlBinaryImporter copy, long importId) : IAsyncDisposable
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

    /// <summary>Stores the body's size and row count, enqueues the loading job, and commits. Returns the job id.</summary>
    public async Task<long> CommitAsync(long bytes, long rowsTotal, int maxAttempts, CancellationToken ct)
    {
        await copy.CompleteAsync(ct);
        await copy.DisposeAsync();
        _copyOpen = false;
        var jobId = await JobStore.EnqueueAsync(connection, ImportStore.JobKind, ImportId, maxAttempts, ct);
        await using (var update = Sql.Command(connection,
            "UPDATE imports SET bytes = $2, rows_total = $3, job_id = $4 WHERE import_id = $1",
            Sql.P(ImportId), Sql.P(bytes), Sql.P(rowsTotal), Sql.P(jobId)))
        {
            await update.ExecuteNonQueryAsync(ct);
        }

        await tx.CommitAsync(ct);
        return jobId;
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
