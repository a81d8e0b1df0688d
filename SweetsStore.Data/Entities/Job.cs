using NodaTime;

namespace SweetsStore.Data.Entities;

/// <summary>
/// A durable background job (Hangfire's model on PostgreSQL): enqueued → processing (held by a worker's lease)
/// → succeeded, or back to enqueued after a failure with a backoff, or failed after its last attempt.
/// </summary>
public sealed class Job
{
    public long JobId { get; set; }

    /// <summary>Which handler runs it (e.g. <c>import</c>).</summary>
    public string Kind { get; set; } = "";

    /// <summary>The handler's argument (e.g. the import id).</summary>
    public long Argument { get; set; }

    /// <summary><c>enqueued</c>, <c>processing</c>, <c>succeeded</c> or <c>failed</c>.</summary>
    public string State { get; set; } = "enqueued";

    public int Attempts { get; set; }

    public int MaxAttempts { get; set; }

    /// <summary>Not to be started before this instant (backoff after a failure).</summary>
    public Instant RunAt { get; set; }

    /// <summary>The worker holding the job while processing.</summary>
    public string? LockedBy { get; set; }

    /// <summary>The holder's lease ends here unless renewed by its heartbeat; then any worker may take the job.</summary>
    public Instant? LeaseUntil { get; set; }

    public string? LastError { get; set; }

    public Instant CreatedAt { get; set; }

    public Instant? FinishedAt { get; set; }
}
