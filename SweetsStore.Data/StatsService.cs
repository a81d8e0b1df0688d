namespace SweetsStore.Data;

/// <summary>Counts of everything the dashboard shows; from a standby when one is configured (<see cref="StaleReads"/>).</summary>
public sealed class StatsService(StaleReads db)
{
    // One statement, so one round trip and one snapshot: the numbers always agree with each other.
    // Exact counts read every counted row, so the order counts are split along the two partial indexes:
    // pending orders are exactly the rows of ix_orders_pool (bundle_id IS NULL), assigned and completed ones
    // those of ix_orders_bundle, which carries complete_time. The planner can then count each part with an
    // index-only scan when that is cheaper than reading the table (with 2M orders, 1/3 of them in bundles, it
    // counts those from ix_orders_bundle; a small pool is counted from its index, a large one from the table).
    // Jobs are Hangfire's, by its state names: a retry waiting out its backoff is Scheduled, counted as enqueued. Hangfire
    // deletes succeeded jobs a day after they ended, so that count covers about the last day (docs/decisions/0011).
    private const string Query =
        $"""
        SELECT
            (SELECT count(*) FROM couriers),
            (SELECT count(*) FROM orders WHERE bundle_id IS NULL),
            o.assigned, o.completed,
            b.open, b.finished,
            i.queued, i.running, i.succeeded, i.failed,
            j.enqueued, j.processing, j.succeeded, j.failed
        FROM (
            SELECT count(*) FILTER (WHERE complete_time IS NULL) AS assigned,
                   count(*) FILTER (WHERE complete_time IS NOT NULL) AS completed
            FROM orders WHERE bundle_id IS NOT NULL
        ) o
        CROSS JOIN (
            SELECT count(*) FILTER (WHERE finished_at IS NULL) AS open,
                   count(*) FILTER (WHERE finished_at IS NOT NULL) AS finished
            FROM bundles
        ) b
        CROSS JOIN (
            SELECT count(*) FILTER (WHERE status = 'queued') AS queued,
                   count(*) FILTER (WHERE status = 'running') AS running,
                   count(*) FILTER (WHERE status = 'succeeded') AS succeeded,
                   count(*) FILTER (WHERE status = 'failed') AS failed
            FROM imports
        ) i
        CROSS JOIN (
            SELECT count(*) FILTER (WHERE statename IN ('Enqueued', 'Scheduled', 'Awaiting')) AS enqueued,
                   count(*) FILTER (WHERE statename = 'Processing') AS processing,
                   count(*) FILTER (WHERE statename = 'Succeeded') AS succeeded,
                   count(*) FILTER (WHERE statename = 'Failed') AS failed
            FROM {Jobs.JobTables.Schema}.job
        ) j
        """;

    public async Task<StatsView> GetAsync(CancellationToken ct)
    {
        await using var command = db.CreateCommand(Query);
        await using var reader = await command.ExecuteReaderAsync(ct);
        await reader.ReadAsync(ct);
        return new StatsView(
            reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5),
            reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8), reader.GetInt64(9),
            reader.GetInt64(10), reader.GetInt64(11), reader.GetInt64(12), reader.GetInt64(13));
    }
}
