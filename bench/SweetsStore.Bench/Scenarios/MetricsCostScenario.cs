using System.Diagnostics;
using System.Globalization;
using System.Net;
using SweetsStore.Bench.Data;
using SweetsStore.Bench.Load;
using SweetsStore.Bench.Report;

namespace SweetsStore.Bench.Scenarios;

/// <summary>
/// What metrics cost (docs/decisions/0015): <c>GET /couriers/{id}</c> (wrk, 32 connections) and the 32-client assign,
/// each on two processes of the same build on the same database that differ only in <c>Telemetry__Metrics</c>: on
/// (as shipped: OpenTelemetry with ASP.NET Core's, the runtime's, Npgsql's and our meter, the Prometheus exporter, the
/// dashboard's listener) and off. bench/run.sh starts both at the beginning, with no Hangfire server, and leaves them
/// idle until this scenario (<c>--api-metrics-on URL --api-metrics-off URL</c>), so neither carries the history of the
/// main API, which has served the whole bench by then. Without <c>--api-metrics-on</c> the main API is the on side.
/// Runs alternate between the two, on the same couriers and the same pool; the ratio is on ÷ off (1 = free). Both
/// processes also report their CPU per request (from /proc), which the machine's other load disturbs less than throughput.
/// </summary>
internal static class MetricsCostScenario
{
    public const long FirstCourierId = 60_001;
    private const string Target = "≥ 0.9 × the same with metrics off";

    /// <summary>The two processes compared (an absent on side is the main API).</summary>
    public sealed record Twins(string? OnUrl, int? OnPid, string? OffUrl, int? OffPid);

    public static async Task<List<ScenarioResult>> RunAsync(BenchContext ctx, Twins twins)
    {
        Ui.Section("metrics cost: GET /couriers/{id} and the 32-client assign, metrics on vs off");
        if (twins.OffUrl is null)
        {
            throw new InvalidOperationException("no API with metrics off: bench/run.sh starts one and passes --api-metrics-off URL --api-metrics-off-pid PID");
        }

        using var off = new Api(twins.OffUrl, 64);
        using var twinOn = twins.OnUrl is null ? null : new Api(twins.OnUrl, 64);
        var on = twinOn ?? ctx.Api;
        var onPid = twinOn is null ? ctx.ApiPid : twins.OnPid;
        await off.WaitReadyAsync(TimeSpan.FromSeconds(90));
        await on.WaitReadyAsync(TimeSpan.FromSeconds(90));

        // This process's own pools sit idle from here on: closing their connections keeps three APIs' pools under the
        // cluster's max_connections (100, 97 for ordinary users; two APIs and these idle pools reached 97 once).
        ctx.Db.Source.Clear();
        ctx.Db.PointReads.Clear();
        var sizes = ctx.Sizes;
        var (history, pool) = await EnsureDataAsync(ctx);
        var wrk = Wrk.Find();
        var paths = history.Select(c => $"/couriers/{c.Id}").ToArray();
        var couriers = Fakes.Couriers(FirstCourierId, sizes.ConcurrentCouriers, Fakes.Seed + 11);
        await ctx.CreateCouriersAsync(couriers);

        // Both get the same warm-up (GETs, then one unmeasured round of assigns each).
        foreach (var (api, _) in Sides(on, off))
        {
            await GetLoadAsync(api, wrk, paths, sizes.Clients, TimeSpan.Zero, sizes.GetApiWarmup);
            await Runner.EachAsync(couriers, sizes.Clients, c => api.AssignAsync(c.Id));
            await ctx.Db.ResetDeliveriesAsync(sizes.LargePool);
        }

        Ui.Info($"both APIs warmed up ({sizes.GetApiWarmup.TotalSeconds:0} s of GETs and {couriers.Length:N0} assigns each)");
        // An even number of pairs, as many with the on side first as with the off side first: the row pairs them up so
        // that whatever favours a pair's first (or second) run cancels out (below, in Row).
        var pairs = Math.Max(2, sizes.GetRuns + (sizes.GetRuns % 2));
        var get = new Dictionary<string, List<Side>> { ["on"] = [], ["off"] = [] };
        var assign = new Dictionary<string, List<Side>> { ["on"] = [], ["off"] = [] };
        for (var pair = 0; pair < pairs; pair++)
        {
            // Which side goes first alternates, so a drift in the machine's load favours neither.
            var order = pair % 2 == 0 ? Sides(on, off) : Enumerable.Reverse(Sides(on, off));
            foreach (var (api, name) in order)
            {
                // Each run starts from the same database: the reset's writes (and its vacuum's) flushed now, not by a
                // checkpoint in the middle of one side's run (as ConcurrentScenario does before its passes).
                await ctx.Db.CheckpointAsync();
                var pid = name == "on" ? onPid : twins.OffPid;
                var cpu = ProcessCpu(pid);
                // No warm-up inside a run (both are warm): the CPU read around it is then the measured requests' own.
                var result = await GetLoadAsync(api, wrk, paths, sizes.Clients, TimeSpan.Zero, sizes.GetDuration);
                get[name].Add(new Side(result.PerSecond, result.Requests, ProcessCpu(pid) - cpu, result.Errors, result.FirstError, result.P99));

                cpu = ProcessCpu(pid);
                var (wall, latencies, errors, error) = await Runner.EachAsync(couriers, sizes.Clients, c => api.AssignAsync(c.Id));
                assign[name].Add(new Side(couriers.Length / wall.TotalSeconds, couriers.Length, ProcessCpu(pid) - cpu, errors, error, latencies.P99));
                await ctx.Db.ResetDeliveriesAsync(sizes.LargePool);
                Ui.Info($"pair {pair + 1}, metrics {name}: GET {get[name][^1].PerSecond:N0} req/s ({get[name][^1].CpuMicrosPerOp:N0} µs CPU each), " +
                    $"assign {assign[name][^1].PerSecond:N0}/s ({assign[name][^1].CpuMicrosPerOp:N0} µs CPU each)");
            }
        }

        var data = $"{history.Length:N0} couriers with {sizes.DeliveriesPerCourier:N0} deliveries each (GET); {couriers.Length:N0} couriers assigned once per run on the {pool:N0}-order pool; {pairs} alternating pairs";
        return
        [
            Row("metrics_cost_get_courier", "req/s", "GET /couriers/{id}, 32 connections (wrk)", get, data, wrk, twinOn is not null),
            Row("metrics_cost_assign_concurrent", "assigns/s", "POST /orders/assign, 32 clients", assign, data, wrk, twinOn is not null),
        ];
    }

    private static (Api Api, string Name)[] Sides(Api on, Api off) => [(on, "on"), (off, "off")];

    private static ScenarioResult Row(string name, string unit, string what, Dictionary<string, List<Side>> runs, string data, string? wrk, bool twins)
    {
        var on = Latencies.Median(runs["on"].Select(r => r.PerSecond));
        var offRate = Latencies.Median(runs["off"].Select(r => r.PerSecond));
        // The pairs' own ratios (the k-th on run with the k-th off run, back to back), then each on-first pair with the
        // off-first pair after it, as the geometric mean of their two ratios: a pair's first run was the slower in every
        // pair of a full run (14:00 UTC 2026-12-04: assign ratios 0.716, 1.299, 0.723, 1.408, 0.791, by which side went
        // first), so a median of single pairs chose whichever order was in the majority. The row is the median of
        // those crossover means: a slower minute in one of them does not decide it (every pair and the ratio of the
        // two medians are beside it).
        var ratios = runs["on"].Zip(runs["off"], (a, b) => a.PerSecond / b.PerSecond).ToArray();
        var crossovers = ratios.Chunk(2).Where(c => c.Length == 2).Select(c => Math.Sqrt(c[0] * c[1])).ToArray();
        var ratio = Latencies.Median(crossovers);
        var cpuOn = Latencies.Median(runs["on"].Select(r => r.CpuMicrosPerOp));
        var cpuOff = Latencies.Median(runs["off"].Select(r => r.CpuMicrosPerOp));
        var errors = runs.Values.Sum(list => list.Sum(r => r.Errors));
        var result = new ScenarioResult
        {
            Name = name,
            Unit = unit,
            Value = Math.Round(on),
            Baseline = Math.Round(offRate),
            Ratio = Shown.Floor(ratio, 3),
            RatioMeaning = $"{what}: per second with metrics on ÷ the same with metrics off (Telemetry__Metrics=false, same build, same database), the median over pairs of pairs (one with each side first) of the geometric mean of their two ratios (higher is better; 1 = metrics cost nothing)",
            Target = Target,
            Met = ratio >= 0.9 && errors == 0,
            Data = data,
        };
        result.Details["per_second_on_each_run"] = runs["on"].Select(r => Math.Round(r.PerSecond)).ToArray();
        result.Details["per_second_off_each_run"] = runs["off"].Select(r => Math.Round(r.PerSecond)).ToArray();
        result.Details["ratio_each_pair"] = ratios.Select(r => Math.Round(r, 3)).ToArray();
        result.Details["ratio_each_crossover"] = crossovers.Select(r => Math.Round(r, 3)).ToArray();
        result.Details["ratio_of_medians"] = Math.Round(on / offRate, 3);
        result.Details["api_cpu_us_per_request_on"] = Math.Round(cpuOn, 1);
        result.Details["api_cpu_us_per_request_off"] = Math.Round(cpuOff, 1);
        result.Details["api_cpu_ratio_off_to_on"] = cpuOn > 0 ? Math.Round(cpuOff / cpuOn, 3) : null;
        result.Details["api_cpu_us_per_request_each_run_on"] = runs["on"].Select(r => Math.Round(r.CpuMicrosPerOp, 1)).ToArray();
        result.Details["api_cpu_us_per_request_each_run_off"] = runs["off"].Select(r => Math.Round(r.CpuMicrosPerOp, 1)).ToArray();
        result.Details["p99_ms_on_each_run"] = runs["on"].Select(r => Math.Round(r.P99, 2)).ToArray();
        result.Details["p99_ms_off_each_run"] = runs["off"].Select(r => Math.Round(r.P99, 2)).ToArray();
        result.Details["errors"] = errors;
        result.Details["first_error"] = runs.Values.SelectMany(list => list).Select(r => r.FirstError).FirstOrDefault(e => e is not null);
        result.Details["load_generator"] = name.Contains("get", StringComparison.Ordinal) && wrk is not null ? Wrk.Version(wrk) : "HttpClient (this process)";
        result.Details["note"] = twins
            ? "two processes started together at the beginning of the bench and idle until this scenario, alike but for Telemetry__Metrics: neither runs a Hangfire server (Jobs__Enabled=false: jobs stay with the main API)"
            : "on: the main API (it has run the scenarios before this one, and its idle Hangfire servers cost about 1 % of a core: idle_cpu_hangfire); off: a process with no Hangfire server (Jobs__Enabled=false)";
        return result;
    }

    /// <summary>The history couriers of <see cref="GetCourierScenario"/> and the 1M pool, written here when this runs alone.</summary>
    private static async Task<(CourierRow[] History, long Pool)> EnsureDataAsync(BenchContext ctx)
    {
        var sizes = ctx.Sizes;
        var history = Fakes.Couriers(GetCourierScenario.FirstCourierId, sizes.HistoryCouriers, Fakes.Seed + 5);
        var present = await ctx.Db.ScalarAsync<long>(
            $"SELECT count(*) FROM couriers WHERE courier_id BETWEEN {history[0].Id} AND {history[^1].Id}");
        if (present < history.Length)
        {
            await ctx.CreateCouriersAsync(history);
            await History.WriteAsync(ctx.Db, history, sizes.DeliveriesPerCourier, sizes.OrdersPerBundle, GetCourierScenario.FirstOrderId, Fakes.Seed + 7);
            Ui.Info($"history written: {history.Length:N0} couriers × {sizes.DeliveriesPerCourier:N0} deliveries");
        }

        var pool = await ctx.Db.ScalarAsync<long>($"SELECT count(*) FROM orders WHERE order_id <= {sizes.LargePool}");
        if (pool == 0)
        {
            await ctx.LoadPoolAsync(ctx.Pool);
            await ctx.Db.VacuumAsync();
            pool = ctx.Pool.Length;
            Ui.Info($"pool of {pool:N0} orders loaded by {BenchContext.PoolLoader}");
        }
        else
        {
            await ctx.Db.ResetDeliveriesAsync(sizes.LargePool);
        }

        return (history, pool);
    }

    private static async Task<Wrk.Result> GetLoadAsync(Api api, string? wrk, string[] paths, int clients, TimeSpan warmup, TimeSpan duration)
    {
        if (wrk is not null)
        {
            return await Wrk.GetAsync(wrk, api.BaseAddress, paths, clients, warmup, duration);
        }

        var run = await Runner.ForAsync(clients, warmup, duration, async (worker, i) =>
        {
            var path = paths[(int)(((worker * 7919L) + (i * 31)) % paths.Length)];
            var (status, _) = await api.GetAsync(path);
            if (status != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"GET {path}: {(int)status}");
            }
        });
        var l = run.Latencies;
        return new Wrk.Result(run.PerSecond, run.Operations, l.P50, l.Percentile(90), l.Percentile(99), l.Percentile(100), l.Mean, run.Errors, run.FirstError);
    }

    /// <summary>A process's CPU time so far (user + system), from /proc; zero when unknown.</summary>
    private static TimeSpan ProcessCpu(int? pid)
    {
        if (pid is null)
        {
            return TimeSpan.Zero;
        }

        try
        {
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
            return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ
        }
        catch (IOException)
        {
            return TimeSpan.Zero;
        }
    }

    private sealed record Side(double PerSecond, long Operations, TimeSpan Cpu, long Errors, string? FirstError, double P99)
    {
        public double CpuMicrosPerOp => Operations > 0 ? Cpu.TotalMicroseconds / Operations : 0;
    }
}
