using System.ComponentModel.DataAnnotations;

namespace SweetsStore.Api.Infrastructure;

/// <summary>How this process uses the database (configuration section <c>Database</c>).</summary>
public sealed class DatabaseOptions
{
    public const string Section = "Database";

    /// <summary>Apply migrations at start (in the background); else a separate <c>migrate</c> step does.</summary>
    public bool MigrateOnStartup { get; set; } = true;

    /// <summary>Point reads through their own multiplexed data source (<see cref="Data.PointReads"/>).</summary>
    public bool MultiplexPointReads { get; set; } = true;

    /// <summary>How often <see cref="StatisticsKeeper"/> looks for tables whose statistics are out of step; 0 turns it off.</summary>
    [Range(0, 3_600, ErrorMessage = Settings.FromTo)]
    public double AnalyzeCheckSeconds { get; set; } = 1;

    /// <summary>A table is analyzed only once at least this many of its rows changed since its last ANALYZE.</summary>
    [Range(typeof(long), "1", "9223372036854775807", ErrorMessage = Settings.FromTo)]
    public long AnalyzeMinChanges { get; set; } = 500;

    /// <summary>
    /// Assigns without an Idempotency-Key that arrive while one is in flight share the next transaction, up to this
    /// many couriers (<see cref="Data.AssignQueue"/>, docs/decisions/0016 step 3); 1 assigns each alone, as before.
    /// 16 since 2026-12-05: with up to 32, the bench's 32 clients split into a batch of nearly everyone waiting and one
    /// of a few, by turns; at most 16 keeps the two batches in flight even (docs/decisions/0016, "Batches of at most 16").
    /// </summary>
    [Range(1, 256, ErrorMessage = Settings.FromTo)]
    public int AssignBatchMax { get; set; } = 16;

    /// <summary>
    /// Batches of assigns in flight at once: with 2 the next batch chooses while the previous one claims and commits,
    /// without the orders that one chose (docs/decisions/0016 step 3: 1.2× the assigns/s of 1 at the same CPU per assign
    /// in the bench's full runs); 1 runs one batch after another.
    /// </summary>
    [Range(1, 8, ErrorMessage = Settings.FromTo)]
    public int AssignBatchesInFlight { get; set; } = 2;

    /// <summary>
    /// Completes without an Idempotency-Key that arrive while <see cref="CompleteBatchesInFlight"/> transactions of
    /// completes run share the next transaction, up to this many (<see cref="Data.CompleteQueue"/>, docs/decisions/0017);
    /// 1 completes each alone, as before.
    /// </summary>
    [Range(1, 256, ErrorMessage = Settings.FromTo)]
    public int CompleteBatchMax { get; set; } = 32;

    /// <summary>
    /// Transactions of completes in flight at once per process before further completes wait to share one (docs/decisions/0017:
    /// with 3, 1.34× and 1.14× the completes/s of 2 in the bench's full runs; a commit's WAL flush leaves its slot idle).
    /// </summary>
    [Range(1, 8, ErrorMessage = Settings.FromTo)]
    public int CompleteBatchesInFlight { get; set; } = 3;
}
