using System.Diagnostics.Metrics;
using Hangfire;
using Hangfire.Storage.Monitoring;
using Microsoft.Extensions.Options;
using SweetsStore.Data;

namespace SweetsStore.Api.Telemetry;

/// <summary>The counts behind the gauges, as of one read.</summary>
public sealed record CountsSnapshot(StatsView Store, StatisticsDto Jobs);

/// <summary>
/// The observable gauges of <see cref="StoreMetrics.Meter"/>: orders by status, bundles by state, couriers, background
/// jobs by state. They are read from a snapshot held in memory, counted again at most every
/// <see cref="TelemetryOptions.CountsSeconds"/> (the store's counts by <see cref="StatsService"/>, the jobs' from
/// Hangfire's monitoring API), so a scrape or an export never counts the orders table itself.
/// </summary>
public sealed class StoreCounts
{
    private readonly Cached<CountsSnapshot> _counts;

    public StoreCounts(StoreMetrics metrics, StatsService stats, JobStorage jobs, IOptions<TelemetryOptions> options, TimeProvider time)
    {
        _counts = new Cached<CountsSnapshot>(
            async ct => new CountsSnapshot(
                await stats.GetAsync(ct),
                await Task.Run(() => jobs.GetMonitoringApi().GetStatistics(), ct)),
            options.Value.CountsMaxAge,
            time);
        var meter = metrics.Meter;
        meter.CreateObservableGauge("sweetsstore.orders", () => Observe(s =>
            [
                Measure(s.Store.OrdersPending, "status", "pending"),
                Measure(s.Store.OrdersAssigned, "status", "assigned"),
                Measure(s.Store.OrdersCompleted, "status", "completed"),
            ]), "{order}", "Orders by status: pending (in the pool), assigned (in an open bundle, not delivered), completed");
        meter.CreateObservableGauge("sweetsstore.bundles", () => Observe(s =>
            [
                Measure(s.Store.BundlesOpen, "state", "open"),
                Measure(s.Store.BundlesFinished, "state", "finished"),
            ]), "{bundle}", "Bundles by state: open (an order not yet delivered), finished");
        meter.CreateObservableGauge("sweetsstore.couriers", () => Observe(s => [new Measurement<long>(s.Store.Couriers)]),
            "{courier}", "Couriers");
        meter.CreateObservableGauge("sweetsstore.jobs", () => Observe(s =>
            [
                Measure(s.Jobs.Enqueued, "state", "enqueued"),
                Measure(s.Jobs.Scheduled, "state", "scheduled"),
                Measure(s.Jobs.Processing, "state", "processing"),
                Measure(s.Jobs.Failed, "state", "failed"),
                Measure(s.Jobs.Succeeded, "state", "succeeded"),
                Measure(s.Jobs.Deleted, "state", "deleted"),
            ]), "{job}",
            "Background jobs (Hangfire) by state; succeeded and deleted are Hangfire's running totals, the others jobs in that state now");
        meter.CreateObservableGauge<double>("sweetsstore.counts.age", () => _counts.AgeSeconds is { } age ? [new Measurement<double>(age)] : [],
            "s", "How old the counts of the other sweetsstore gauges are");
    }

    /// <summary>The snapshot, counted again first when it is older than allowed (a scrape waits for it).</summary>
    public Task<CountsSnapshot> GetAsync(CancellationToken ct) => _counts.GetAsync(ct);

    // A gauge is read synchronously (by a scrape, after GetAsync, or by a periodic export): it takes what is in memory
    // and starts a fresh count in the background when that is stale.
    private IEnumerable<Measurement<long>> Observe(Func<CountsSnapshot, Measurement<long>[]> read)
    {
        _counts.RefreshIfStale();
        return _counts.Peek() is { } snapshot ? read(snapshot) : [];
    }

    private static Measurement<long> Measure(long value, string key, string label) =>
        new(value, new KeyValuePair<string, object?>(key, label));
}
