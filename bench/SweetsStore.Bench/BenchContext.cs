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

    /// <summary>Creates couriers through the API in batches.</summary>
    public async Task CreateCouriersAsync(IReadOnlyList<CourierRow> couriers)
    {
        foreach (var chunk in couriers.Chunk(5000))
        {
            await Api.PostAsync("/couriers", Fakes.CouriersJson(chunk), System.Net.HttpStatusCode.Created);
        }
    }
}
