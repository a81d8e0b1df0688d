using System.Runtime.CompilerServices;
using NodaTime;
using Npgsql;
using NpgsqlTypes;
using SweetsStore.Data.Idempotency;

namespace SweetsStore.Data.Imports;

/// <summary>Imports and their uploaded bodies, in PostgreSQL so every API process can run any import.</summary>
/// <remarks>
/// The import row is what makes a job's effect happen once although Hangfire may run the job more than once (a worker
/// killed mid-load, an invisibility timeout that ran out, an operator's requeue): each run takes a fresh token when it
/// starts (<see cref="StartAsync"/>), and its rows commit only together with the update that ends the import, which
/// matches that token and a <c>running</c> status (<see cref="FinishAsync"/>). docs/decisions/0011.
/// </remarks>
public sealed class ImportStore(NpgsqlDataSource db)
{
    private const string Unfinished = "status IN ('queued', 'running')";

    /// <summary>
    /// Opens an upload: one transaction that stores the body chunk by chunk (nothing is visible until it commits). With
    /// an <paramref name="idempotency"/> hook the transaction claims its key first and stores the answer (the import as
    /// it is at the commit) with the upload (docs/decisions/0014).
    /// </summary>
    public async Task<ImportUpload> BeginUploadAsync(ImportKind kind, string format, IdempotencyHook<ImportView>? idempotency, CancellationToken ct)
    {
        var connection = await db.OpenConnectionAsync(ct);
        try
        {
            var tx = await connection.BeginTransactionAsync(ct);
            if (idempotency is not null)
            {
                await idempotency.ClaimAsync(connection, ct);
            }

            await using var insert = Sql.Command(connection,
                """
                INSERT INTO imports (kind, format, status, bytes, rows_total, rows_done, rows_invalid, attempts, created_at)
                VALUES ($1, $2, 'queued', 0, 0, 0, 0, 0, now())
                RETURNING import_id
                """,
                Sql.P(ImportText.Of(kind)), Sql.P(format));
            var id = (long)(await insert.ExecuteScalarAsync(ct))!;
            var copy = await connection.BeginBinaryImportAsync("COPY import_chunks (import_id, seq, data) FROM STDIN (FORMAT BINARY)", ct);
            return new ImportUpload(connection, tx, copy, id, idempotency);
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

    /// <summary>Newest first, without their reports (a report may list a thousand bad elements: <see cref="GetAsync"/> has it).</summary>
    public async Task<IReadOnlyList<ImportView>> ListAsync(int offset, int limit, CancellationToken ct)
    {
        await using var command = db.CreateCommand($"{SelectListView} ORDER BY import_id DESC OFFSET $1 LIMIT $2");
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

    /// <summary>
    /// Records <paramref name="jobId"/> as the job that loads the import, only while its job is still
    /// <paramref name="replacing"/> (null: none yet) and it has not ended (true too when the job's first run already
    /// recorded it). False: another job has it, or it ended.
    /// </summary>
    public async Task<bool> AttachJobAsync(long id, string jobId, string? replacing, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            $"UPDATE imports SET job_id = $2 WHERE import_id = $1 AND (job_id IS NOT DISTINCT FROM $3 OR job_id = $2) AND {Unfinished}");
        command.Parameters.Add(Sql.P(id));
        command.Parameters.Add(Sql.P(jobId));
        command.Parameters.Add(new NpgsqlParameter<string?> { TypedValue = replacing, NpgsqlDbType = NpgsqlDbType.Text });
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>
    /// Starts a run of job <paramref name="jobId"/>: the import becomes <c>running</c> with progress back to 0, one more
    /// attempt, and a fresh token that supersedes any earlier run's; <c>started_at</c> stays the first run's (docs/api.md:
    /// when it was first started, so its duration counts every attempt). Null when there is nothing to do: the import ended
    /// (a duplicate or late run), is gone, or belongs to another job.
    /// </summary>
    public async Task<ImportRun?> StartAsync(long id, string jobId, CancellationToken ct)
    {
        var token = Guid.NewGuid();
        await using var command = db.CreateCommand(
            $"""
            UPDATE imports
            SET job_id = $2, status = 'running', started_at = coalesce(started_at, clock_timestamp()), attempts = attempts + 1,
                rows_done = 0, rows_invalid = 0, run_token = $3
            WHERE import_id = $1 AND {Unfinished} AND (job_id IS NULL OR job_id = $2)
            RETURNING kind, format
            """);
        command.Parameters.Add(Sql.P(id));
        command.Parameters.Add(Sql.P(jobId));
        command.Parameters.Add(Sql.P(token));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct) ? new ImportRun(id, ImportText.Kind(reader.GetString(0)), reader.GetString(1), token) : null;
    }

    /// <summary>Progress, written outside the loading transaction so readers see it move; only by the current run.</summary>
    public async Task ProgressAsync(ImportRun run, long rowsDone, long rowsInvalid, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            "UPDATE imports SET rows_done = $3, rows_invalid = $4 WHERE import_id = $1 AND run_token = $2 AND status = 'running'");
        command.Parameters.Add(Sql.P(run.Id));
        command.Parameters.Add(Sql.P(run.Token));
        command.Parameters.Add(Sql.P(rowsDone));
        command.Parameters.Add(Sql.P(rowsInvalid));
        await command.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The uploaded body, chunk by chunk, streamed (never all in memory).</summary>
    public async IAsyncEnumerable<ReadOnlyMemory<byte>> ReadChunksAsync(long id, [EnumeratorCancellation] CancellationToken ct)
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
    /// Ends the import on the caller's transaction (the one holding the loaded rows, when it succeeded), only while
    /// <paramref name="run"/> is still the import's current run. False: a later run took the import over, or it was
    /// failed meanwhile (its job deleted); the caller must roll back. A succeeded import's body goes at once; a failed
    /// one's is kept for the retention (<see cref="PurgeAsync"/>). <c>finished_at</c> is <c>clock_timestamp()</c>:
    /// <c>now()</c> would be the start of the loading transaction, so every import would seem to take no time at all.
    /// </summary>
    internal static async Task<bool> FinishAsync(
        NpgsqlConnection connection, ImportRun run, ImportStatus status, long rowsDone, long rowsInvalid, string? error, string? report,
        CancellationToken ct)
    {
        await using var command = Sql.Command(connection,
            """
            UPDATE imports SET status = $3, rows_done = $4, rows_invalid = $5, error = $6, report = $7::jsonb,
                               finished_at = clock_timestamp()
            WHERE import_id = $1 AND run_token = $2 AND status = 'running'
            """,
            Sql.P(run.Id), Sql.P(run.Token), Sql.P(ImportText.Of(status)), Sql.P(rowsDone), Sql.P(rowsInvalid),
            new NpgsqlParameter<string?> { TypedValue = error, NpgsqlDbType = NpgsqlDbType.Text },
            new NpgsqlParameter<string?> { TypedValue = report, NpgsqlDbType = NpgsqlDbType.Text });
        if (await command.ExecuteNonQueryAsync(ct) != 1)
        {
            return false;
        }

        if (status == ImportStatus.Succeeded)
        {
            await using var chunks = Sql.Command(connection, "DELETE FROM import_chunks WHERE import_id = $1", Sql.P(run.Id));
            await chunks.ExecuteNonQueryAsync(ct);
        }

        return true;
    }

    /// <summary>Opens the transaction that loads rows into <paramref name="table"/> (a synchronous import, or a run of the job).</summary>
    public Task<ImportSession<T>> BeginLoadAsync<T>(ImportTable<T> table, IdempotencyHook? idempotency, CancellationToken ct) =>
        ImportSession<T>.BeginAsync(db, table, idempotency, ct);

    /// <summary>
    /// Ends <paramref name="run"/> as failed, refused with <paramref name="error"/> and its validation
    /// <paramref name="report"/>, in a transaction of its own (the loading one is rolled back). False: a later run holds
    /// the import, or it ended meanwhile (<see cref="FinishAsync"/>).
    /// </summary>
    public async Task<bool> RefuseAsync(ImportRun run, long rows, long invalid, string error, string report, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (!await FinishAsync(connection, run, ImportStatus.Failed, rows, invalid, error, report, ct))
        {
            return false;
        }

        await tx.CommitAsync(ct);
        return true;
    }

    /// <summary>
    /// The import's job ended without loading it (its last attempt failed, or it was deleted): the import fails with
    /// <paramref name="error"/>, only while <paramref name="jobId"/> is its job (or it has none yet) and it has not
    /// ended. Synchronous: Hangfire's state filters are. Any run still going is fenced out by the status.
    /// </summary>
    public bool FailByJob(long id, string jobId, string error)
    {
        using var command = db.CreateCommand(
            $"""
            UPDATE imports SET status = 'failed', error = $3, finished_at = clock_timestamp(), job_id = $2
            WHERE import_id = $1 AND {Unfinished} AND (job_id IS NULL OR job_id = $2)
            """);
        command.Parameters.Add(Sql.P(id));
        command.Parameters.Add(Sql.P(jobId));
        command.Parameters.Add(Sql.P(error.Length > 2000 ? error[..2000] : error));
        return command.ExecuteNonQuery() == 1;
    }

    /// <summary>Imports with no job that were uploaded more than <paramref name="olderThan"/> ago (the process died between commit and enqueue).</summary>
    public async Task<IReadOnlyList<long>> OrphansAsync(TimeSpan olderThan, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            $"SELECT import_id FROM imports WHERE {Unfinished} AND job_id IS NULL AND created_at < now() - make_interval(secs => $1) ORDER BY import_id");
        command.Parameters.Add(Sql.P(olderThan.TotalSeconds));
        await using var reader = await command.ExecuteReaderAsync(ct);
        var ids = new List<long>();
        while (await reader.ReadAsync(ct))
        {
            ids.Add(reader.GetInt64(0));
        }

        return ids;
    }

    /// <summary>Imports not ended yet that have a job (to check that their job still exists and has not ended).</summary>
    public async Task<IReadOnlyList<UnfinishedImport>> UnfinishedAsync(CancellationToken ct)
    {
        await using var command = db.CreateCommand($"SELECT import_id, job_id FROM imports WHERE {Unfinished} AND job_id IS NOT NULL ORDER BY import_id");
        await using var reader = await command.ExecuteReaderAsync(ct);
        var imports = new List<UnfinishedImport>();
        while (await reader.ReadAsync(ct))
        {
            imports.Add(new UnfinishedImport(reader.GetInt64(0), reader.GetString(1)));
        }

        return imports;
    }

    /// <summary>
    /// Deletes the bodies of imports that failed more than <paramref name="failedBodies"/> ago, and imports (with any
    /// body) that ended more than <paramref name="finished"/> ago. Returns how many of each.
    /// </summary>
    public async Task<(long Bodies, long Imports)> PurgeAsync(TimeSpan failedBodies, TimeSpan finished, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var bodies = Sql.Command(connection,
            """
            WITH gone AS (
                DELETE FROM import_chunks c USING imports i
                WHERE c.import_id = i.import_id AND i.status IN ('succeeded', 'failed') AND i.finished_at < now() - make_interval(secs => $1)
                RETURNING c.import_id
            )
            SELECT count(DISTINCT import_id) FROM gone
            """,
            Sql.P(failedBodies.TotalSeconds));
        var purgedBodies = (long)(await bodies.ExecuteScalarAsync(ct))!;
        await using var records = Sql.Command(connection,
            "DELETE FROM imports WHERE status IN ('succeeded', 'failed') AND finished_at < now() - make_interval(secs => $1)",
            Sql.P(finished.TotalSeconds));
        var purgedImports = await records.ExecuteNonQueryAsync(ct);
        return (purgedBodies, purgedImports);
    }

    private const string SelectView =
        """
        SELECT import_id, kind, format, status, bytes, rows_total, rows_done, rows_invalid, attempts,
               created_at, started_at, finished_at, error, report::text
        FROM imports
        """;

    private const string SelectListView =
        """
        SELECT import_id, kind, format, status, bytes, rows_total, rows_done, rows_invalid, attempts,
               created_at, started_at, finished_at, error, NULL::text
        FROM imports
        """;

    internal static async Task<ImportView> ReadViewAsync(NpgsqlConnection connection, long id, CancellationToken ct)
    {
        await using var command = Sql.Command(connection, $"{SelectView} WHERE import_id = $1", Sql.P(id));
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return ReadView(reader);
    }

    private static ImportView ReadView(NpgsqlDataReader r) => new(
        r.GetInt64(0), ImportText.Kind(r.GetString(1)), r.GetString(2), ImportText.Status(r.GetString(3)), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7), r.GetInt32(8),
        r.GetFieldValue<Instant>(9), r.GetFieldValue<Instant?>(10), r.GetFieldValue<Instant?>(11), r.IsDBNull(12) ? null : r.GetString(12), r.IsDBNull(13) ? null : r.GetString(13));
}
