namespace SweetsStore.Api.Jobs;

/// <summary>One run of a job, by the worker holding its lease.</summary>
public sealed record JobRun(long JobId, long Argument, int Attempt, int MaxAttempts, string WorkerId);

/// <summary>
/// Runs one kind of background job (the role of a Hangfire job method). A handler finishes its job inside
/// its own transaction (<see cref="Data.Jobs.JobStore.SucceedAsync"/>), so the job's outcome and the work
/// commit together or not at all.
/// </summary>
public interface IJobHandler
{
    string Kind { get; }

    /// <summary>
    /// Does the work. Throwing counts as a failed attempt (retried with backoff). <paramref name="ct"/> is
    /// cancelled when the process stops or the lease is lost to another worker.
    /// </summary>
    Task RunAsync(JobRun run, CancellationToken ct);

    /// <summary>The last attempt failed; record the outcome where users look for it.</summary>
    Task GiveUpAsync(long argument, string error, CancellationToken ct);
}

/// <summary>Background job settings (configuration section <c>Jobs</c>).</summary>
public sealed class JobOptions
{
    /// <summary>Run workers in this process (every process may; they share the queue).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Jobs this process runs at once.</summary>
    public int Workers { get; set; } = 1;

    /// <summary>How long a worker holds a job without renewing; a dead worker's job moves on after this.</summary>
    public double LeaseSeconds { get; set; } = 30;

    /// <summary>How often an idle worker looks for due jobs when no notification arrives.</summary>
    public double PollSeconds { get; set; } = 2;

    /// <summary>
    /// Wake idle workers with LISTEN/NOTIFY. Turn off behind PgBouncer in transaction mode, where a LISTEN
    /// session does not last (workers then rely on polling alone).
    /// </summary>
    public bool Listen { get; set; } = true;

    /// <summary>Attempts before a job fails for good.</summary>
    public int MaxAttempts { get; set; } = 5;

    public TimeSpan Lease => TimeSpan.FromSeconds(LeaseSeconds);

    public TimeSpan Poll => TimeSpan.FromSeconds(PollSeconds);
}
