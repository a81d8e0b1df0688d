using SweetsStore.Bench.Data;
using SweetsStore.Bench.Load;

namespace SweetsStore.Bench;

/// <summary>What every scenario shares: sizes, the API client, the database, the API's process id and the pool data.</summary>
internal sealed class BenchContext(Sizes sizes, Api api, Db db, int? apiPid)
{
    private OrderRow[]? _pool;

    public Sizes Sizes { get; } = sizes;

    public Api Api { get; } = api;

    public Db Db { get; } = db;

    public int? ApiPid { get; } = apiPid;

    /// <summary>The benchmark's PostgreSQL postmaster, when known (for the CPU shares of single runs).</summary>
    public int? PostmasterPid { get; init; }

    /// <summary>Set once the assign path has been warmed up for <see cref="Sizes.AssignWarmup"/>.</summary>
    public bool WarmedUp { get; set; }

    /// <summary>Set once the assign path has been warmed up with concurrent clients (the concurrent scenario).</summary>
    public bool WarmedUpConcurrently { get; set; }

    /// <summary>Order ids 1..LargePool, seeded; the import uses the first 100,000, the assign pools all of them.</summary>
    public OrderRow[] Pool => _pool ??= Fakes.Orders(1, Sizes.LargePool, Fakes.Seed);

    /// <summary>
    /// The assign scenarios' pools are imported through <c>POST /orders</c> (bodies of 100,000, in the same order), so
    /// the rows lie as the service stores them: its import writes each batch of 25,000 in pool-index order (decision
    /// 0016, step 4), which a pending row keeps until it is claimed. <c>BENCH_POOL_VIA_API=0</c> COPYs them in request
    /// order instead (how the bench loaded them before the import sorted; 0.90× of PostgreSQL's CPU per assign, 0016).
    /// </summary>
    public static bool PoolViaApi { get; } = Environment.GetEnvironmentVariable("BENCH_POOL_VIA_API") != "0";

    /// <summary>How <see cref="LoadPoolAsync"/> loads, for the progress lines.</summary>
    public static string PoolLoader => PoolViaApi ? "POST /orders" : "COPY";

    /// <summary>Loads pending orders into an assign pool: through the API's import, or by COPY in request order (<see cref="PoolViaApi"/>).</summary>
    public async Task LoadPoolAsync(OrderRow[] rows)
    {
        if (PoolViaApi)
        {
            foreach (var body in rows.Chunk(100_000))
            {
                await Api.PostAsync("/orders", Fakes.OrdersJson(body), System.Net.HttpStatusCode.Created);
            }
        }
        else
        {
            await Db.CopyOrdersAsync(rows);
        }
    }

    /// <summary>Creates couriers through the API in batches.</summary>
    public async Task CreateCouriersAsync(IReadOnlyList<CourierRow> couriers)
    {
        foreach (var chunk in couriers.Chunk(5000))
        {
            await Api.PostAsync("/couriers", Fakes.CouriersJson(chunk), System.Net.HttpStatusCode.Created);
        }
    }
}
