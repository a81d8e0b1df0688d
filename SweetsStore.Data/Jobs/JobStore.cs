using Npgsql;

namespace SweetsStore.Data.Jobs;

/// <summary>A job a worker now holds: run it, renew the lease while running, then finish it.</summary>
public sealed record ClaimedJob(long JobId, string Kind, long Argument, int Attempt, int MaxAttempts);

/// <summary>
/// The durable job queue, in PostgreSQL (Hangfire's storage model; Hangfire itself is not obtainable here).
/// Leases and due times use the database's clock, so every API process agrees on them.
/// </summary>
/// <remarks>
/// Hangfire ↔ here: <c>BackgroundJob.Enqueue</c> ↔ <see cref="EnqueueAsync"/> (inside the caller's
/// transaction, so a job exists exactly when its data does); Enqueued/Processing/Succeeded/Failed states ↔
/// the <c>state</c> column; the fetched-job invisibility timeout ↔ the lease, renewed by a heartbeat;
/// AutomaticRetry ↔ <c>max_attempts</c> with exponential backoff.
/// </remarks>
public sealed class JobStore(NpgsqlDataSource db)
{
    /// <summary>The channel a NOTIFY goes to when a job becomes due, so idle workers wake at once.</summary>
    public const string Channel = "sweetsstore_jobs";

    /// <summary>Adds a job on the caller's transaction; workers are notified when it commits.</summary>
    public static async Task<long> EnqueueAsync(NpgsqlConnection connection, string kind, long argument, int maxAttempts, CancellationToken ct)
    {
        await using var command = Sql.Command(connection,
            $"""
            WITH job AS (
                INSERT INTO jobs (kind, argument, state, attempts, max_attempts, run_at, created_at)
                VALUES ($1, $2, 'enqueued', 0, $3, now(), now())
                RETURNING job_id
            )
            SELECT job_id, pg_notify('{Channel}', job_id::text) FROM job
            """,
            Sql.P(kind), Sql.P(argument), Sql.P(maxAttempts));
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return reader.GetInt64(0);
    }

    /// <summary>
    /// Takes the oldest due job, or a processing job whose holder's lease ran out (its process died or hung),
    /// for <paramref name="workerId"/> until now + <paramref name="lease"/>. Null when there is none.
    /// </summary>
    public async Task<ClaimedJob?> TryClaimAsync(string workerId, TimeSpan lease, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            """
            UPDATE jobs j
            SET state = 'processing', locked_by = $1, lease_until = now() + $2, attempts = j.attempts + 1
            FROM (
                SELECT job_id FROM jobs
                WHERE (state = 'enqueued' AND run_at <= now()) OR (state = 'processing' AND lease_until < now())
                ORDER BY run_at, job_id
                LIMIT 1
                FOR UPDATE SKIP LOCKED
            ) due
            WHERE j.job_id = due.job_id
            RETURNING j.job_id, j.kind, j.argument, j.attempts, j.max_attempts
            """);
        command.Parameters.Add(Sql.P(workerId));
        command.Parameters.Add(Sql.P(lease));
        await using var reader = await command.ExecuteReaderAsync(ct);
        return await reader.ReadAsync(ct)
            ? new ClaimedJob(reader.GetInt64(0), reader.GetString(1), reader.GetInt64(2), reader.GetInt32(3), reader.GetInt32(4))
            : null;
    }

    /// <summary>Extends the lease; false when the job is no longer this worker's (another worker took it over).</summary>
    public async Task<bool> RenewAsync(long jobId, string workerId, TimeSpan lease, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            "UPDATE jobs SET lease_until = now() + $3 WHERE job_id = $1 AND locked_by = $2 AND state = 'processing'");
        command.Parameters.Add(Sql.P(jobId));
        command.Parameters.Add(Sql.P(workerId));
        command.Parameters.Add(Sql.P(lease));
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>
    /// Marks the job succeeded on the caller's transaction, only while this worker still holds it. A handler
    /// calls this in the same transaction as its own writes: if the lease was lost to another worker the
    /// update finds nothing, the handler rolls back, and the work is never applied twice.
    /// </summary>
    /// <remarks>
    /// <c>finished_at</c> is <c>clock_timestamp()</c>, not <c>now()</c>: <c>now()</c> is the start of the
    /// caller's transaction, which for a handler began before all of its work.
    /// </remarks>
    public static async Task<bool> SucceedAsync(NpgsqlConnection connection, long jobId, string workerId, CancellationToken ct)
    {
        await using var command = Sql.Command(connection,
            """
            UPDATE jobs SET state = 'succeeded', finished_at = clock_timestamp(), locked_by = NULL, lease_until = NULL, last_error = NULL
            WHERE job_id = $1 AND locked_by = $2 AND state = 'processing'
            """,
            Sql.P(jobId), Sql.P(workerId));
        return await command.ExecuteNonQueryAsync(ct) == 1;
    }

    /// <summary>
    /// Records a failed attempt: back to enqueued after a backoff while attempts remain, else failed for good.
    /// Returns true when that was the last attempt.
    /// </summary>
    public async Task<bool> FailAsync(long jobId, string workerId, string error, CancellationToken ct)
    {
        await using var command = db.CreateCommand(
            """
            UPDATE jobs
            SET state = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'enqueued' END,
                run_at = now() + make_interval(secs => least(300, power(2, attempts)) + random()),
                finished_at = CASE WHEN attempts >= max_attempts THEN now() END,
                locked_by = NULL, lease_until = NULL, last_error = $3
            WHERE job_id = $1 AND locked_by = $2 AND state = 'processing'
            RETURNING state = 'failed'
            """);
        command.Parameters.Add(Sql.P(jobId));
        command.Parameters.Add(Sql.P(workerId));
        command.Parameters.Add(Sql.P(error.Length > 2000 ? error[..2000] : error));
        return await command.ExecuteScalarAsync(ct) is true;
    }
}
