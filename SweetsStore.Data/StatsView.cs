namespace SweetsStore.Data;

/// <summary>Exact counts for the operator dashboard (<c>GET /stats</c>).</summary>
public sealed record StatsView(
    long Couriers,
    long OrdersPending,
    long OrdersAssigned,
    long OrdersCompleted,
    long BundlesOpen,
    long BundlesFinished,
    long ImportsQueued,
    long ImportsRunning,
    long ImportsSucceeded,
    long ImportsFailed,
    long JobsEnqueued,
    long JobsProcessing,
    long JobsSucceeded,
    long JobsFailed);
