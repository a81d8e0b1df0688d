using System.Diagnostics.Metrics;
using SweetsStore.Data;

namespace SweetsStore.Api.Telemetry;

/// <summary>
/// The service's own instruments (meter <c>SweetsStore</c>): what happened to the store, recorded where it happened.
/// Served at <c>GET /metrics</c> with ASP.NET Core's, the runtime's and Npgsql's, and read back in this process by
/// <see cref="LiveRates"/> for the dashboard's charts. docs/decisions/0015.
/// </summary>
public sealed class StoreMetrics
{
    public const string MeterName = "SweetsStore";
    public const string Assigns = "sweetsstore.assigns";
    public const string Completes = "sweetsstore.completes";

    // Bundles hold 1 to a few dozen orders (about 40 at a 1M pool: docs/decisions/0007); fill is a share of capacity.
    private static readonly IReadOnlyList<long> OrderBuckets = [1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 75, 100];
    private static readonly IReadOnlyList<double> FillBuckets = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99, 1];

    private static readonly KeyValuePair<string, object?> New = new("outcome", "new");
    private static readonly KeyValuePair<string, object?> Repeat = new("outcome", "repeat");
    private static readonly KeyValuePair<string, object?> Empty = new("outcome", "empty");
    private static readonly KeyValuePair<string, object?> OfAssigns = new("kind", "assign");
    private static readonly KeyValuePair<string, object?> OfCompletes = new("kind", "complete");

    private readonly Counter<long> _assigns;
    private readonly Histogram<long> _bundleOrders;
    private readonly Histogram<double> _bundleFill;
    private readonly Counter<long> _completes;
    private readonly Counter<long> _importedRows;
    private readonly Counter<long> _assignRetries;

    public StoreMetrics(IMeterFactory meters, DeliveryService deliveries)
    {
        Meter = meters.Create(MeterName);
        _assigns = Meter.CreateCounter<long>(Assigns, "{assign}",
            "Assigns answered, by outcome: new (a bundle made now), repeat (the courier's open bundle again), empty (nothing fits)");
        _bundleOrders = Meter.CreateHistogram(
            "sweetsstore.bundle.orders", "{order}", "Orders in each new bundle",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = OrderBuckets });
        _bundleFill = Meter.CreateHistogram(
            "sweetsstore.bundle.fill", "1", "Each new bundle's total weight divided by the courier's capacity",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = FillBuckets });
        _completes = Meter.CreateCounter<long>(Completes, "{order}", "Orders delivered (a repeated complete is not counted again)");
        _importedRows = Meter.CreateCounter<long>("sweetsstore.imported.rows", "{row}",
            "Rows stored by imports, by kind (orders, couriers) and mode (sync: POST /orders and /couriers; background: POST /imports/*)");
        _assignRetries = Meter.CreateCounter<long>("sweetsstore.assign.retries", "{retry}",
            "Assign claims that lost a race for their orders to another assign and were tried again");

        // Read from the queues' own tallies when scraped: nothing is added to a request's path.
        Meter.CreateObservableCounter("sweetsstore.write.transactions", () => Kinds(deliveries.Batches, transactions: true), "{transaction}",
            "Transactions the coalescing queues started (a batch, or a request run alone), by kind: assign, complete");
        Meter.CreateObservableCounter("sweetsstore.write.requests", () => Kinds(deliveries.Batches, transactions: false), "{request}",
            "Requests those transactions took, by kind (÷ sweetsstore.write.transactions: requests per transaction)");
    }

    /// <summary>The meter, for this process's own readers (<see cref="LiveRates"/>) to know its instruments by.</summary>
    public Meter Meter { get; }

    public void Assigned(AssignOutcome outcome)
    {
        switch (outcome.Kind)
        {
            case AssignKind.New:
                _assigns.Add(1, New);
                _bundleOrders.Record(outcome.OrderIds.Count);
                if (outcome.Capacity.HundredthsOfKg > 0)
                {
                    _bundleFill.Record((double)outcome.Total.HundredthsOfKg / outcome.Capacity.HundredthsOfKg);
                }

                break;
            case AssignKind.Repeat:
                _assigns.Add(1, Repeat);
                break;
            default:
                _assigns.Add(1, Empty);
                break;
        }

        if (outcome.Attempts > 1)
        {
            _assignRetries.Add(outcome.Attempts - 1);
        }
    }

    public void Completed() => _completes.Add(1);

    private static IEnumerable<Measurement<long>> Kinds(WriteBatches b, bool transactions) =>
    [
        new(transactions ? b.AssignTransactions : b.Assigns, OfAssigns),
        new(transactions ? b.CompleteTransactions : b.Completes, OfCompletes),
    ];

    public void Imported(string kind, string mode, long rows) =>
        _importedRows.Add(rows, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("mode", mode));
}
