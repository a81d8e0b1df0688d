using System.ComponentModel.DataAnnotations;
using SweetsStore.Api.Infrastructure;

namespace SweetsStore.Api.Jobs;

/// <summary>Background job settings (configuration section <c>Jobs</c>), checked at start (<see cref="Settings"/>; docs/decisions/0011).</summary>
public sealed class JobOptions
{
    public const string Section = "Jobs";

    /// <summary>Run a Hangfire server in this process (every process may; they share the queues in PostgreSQL).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Imports this process loads at once (workers of the <c>imports</c> queue).</summary>
    [Range(1, 64, ErrorMessage = Settings.FromTo)]
    public int Workers { get; set; } = 1;

    /// <summary>Attempts of an import's job before the import is failed (the first run and its retries).</summary>
    [Range(1, 100, ErrorMessage = Settings.FromTo)]
    public int MaxAttempts { get; set; } = 5;

    /// <summary>Delay before the first retry; it doubles with each retry, up to 5 minutes.</summary>
    [Range(0, 300, ErrorMessage = Settings.FromTo)]
    public double RetryDelaySeconds { get; set; } = 2;

    /// <summary>
    /// How long a fetched job stays invisible to other processes after its holder stops renewing it (Hangfire.PostgreSql's
    /// sliding invisibility timeout): how soon a job of a killed process runs elsewhere. The holder renews it at most
    /// once a second, so less than 3 s would let a live worker's job be taken over.
    /// </summary>
    [Range(3, 86_400, ErrorMessage = Settings.FromTo)]
    public double LeaseSeconds { get; set; } = 30;

    /// <summary>
    /// How long a Hangfire lock (a row of <c>hangfire.lock</c>) keeps everyone else out when its holder never releases
    /// it: a process killed, or a primary lost between the lock's commit and its release (the row is on the promoted
    /// standby too). Until then, the resource waits: scheduled retries (<c>locks:schedulepoller</c>), the recurring jobs
    /// (<c>recurring-jobs:lock</c>) or one job's state changes. Hangfire holds its locks for moments (at most about a
    /// second seen in the failover drill, on a machine at load average 40); a live holder slower than this loses its
    /// lock to the next taker. Hangfire.PostgreSql's default is 10 minutes. docs/decisions/0012.
    /// </summary>
    [Range(1, 3_600, ErrorMessage = Settings.FromTo)]
    public double LockTimeoutSeconds { get; set; } = 15;

    /// <summary>How often an idle worker looks for jobs enqueued by another process (this process's own wake it at once).</summary>
    [Range(0.05, 60, ErrorMessage = Settings.FromTo)]
    public double PollSeconds { get; set; } = 2;

    /// <summary>How often scheduled retries and recurring jobs are looked for (Hangfire's default: 15 s).</summary>
    [Range(1, 60, ErrorMessage = Settings.FromTo)]
    public double SchedulePollSeconds { get; set; } = 15;

    /// <summary>An import still without a job this long after its upload committed gets one from the orphan sweep.</summary>
    [Range(1, 86_400, ErrorMessage = Settings.FromTo)]
    public double OrphanSeconds { get; set; } = 60;

    /// <summary>How long a failed import's uploaded body is kept (to see what was sent); 0: purged at the next run.</summary>
    [Range(0, 87_600, ErrorMessage = Settings.FromTo)]
    public double FailedBodyRetentionHours { get; set; } = 24;

    /// <summary>How long an ended import stays readable at <c>GET /imports/{id}</c>.</summary>
    [Range(1, 3650, ErrorMessage = Settings.FromTo)]
    public double ImportRetentionDays { get; set; } = 30;

    public TimeSpan Lease => TimeSpan.FromSeconds(LeaseSeconds);

    public TimeSpan Poll => TimeSpan.FromSeconds(PollSeconds);

    public TimeSpan LockTimeout => TimeSpan.FromSeconds(LockTimeoutSeconds);

    public TimeSpan SchedulePoll => TimeSpan.FromSeconds(SchedulePollSeconds);

    /// <summary>Seconds before retry <paramref name="retry"/> (1 = the first): doubling from <see cref="RetryDelaySeconds"/>, at most 300.</summary>
    public int RetryDelay(long retry) => (int)Math.Min(300, Math.Round(RetryDelaySeconds * Math.Pow(2, Math.Min(retry - 1, 16))));
}
