using System.Globalization;
using System.Net;
using System.Text.Json;
using SweetsStore.Bench.Data;
using SweetsStore.Bench.Load;
using SweetsStore.Bench.Report;

namespace SweetsStore.Bench.Scenarios;

/// <summary>
/// GET /couriers/{id} with 32 connections for couriers with 1,000 deliveries each, against the SQL the API runs
/// (CourierService.GetAsync) through Npgsql with 32 connections. API and SQL runs alternate; the ratio is the median of
/// each pair's own ratio.
/// Also, for orientation: the same GET restricted to a period (computed from the 1,000 delivery rows) and the
/// bare HTTP floor (GET /health/live) with the same client.
/// </summary>
internal static class GetCourierScenario
{
    public const long FirstCourierId = 100_001;
    public const long FirstOrderId = 10_000_001;
    private const string Target = "≥ 5,000 req/s and ≥ 0.5 × SQL";

    public static async Task<List<ScenarioResult>> RunAsync(BenchContext ctx)
    {
        Ui.Section("get courier: GET /couriers/{id} vs the API's SQL");
        var sizes = ctx.Sizes;
        var couriers = Fakes.Couriers(FirstCourierId, sizes.HistoryCouriers, Fakes.Seed + 5);
        await ctx.CreateCouriersAsync(couriers);
        var started = DateTime.UtcNow;
        var expected = await History.WriteAsync(ctx.Db, couriers, sizes.DeliveriesPerCourier, sizes.OrdersPerBundle, FirstOrderId, Fakes.Seed + 7);
        Ui.Info($"history: {couriers.Length:N0} couriers × {sizes.DeliveriesPerCourier:N0} deliveries written in {(DateTime.UtcNow - started).TotalSeconds:0.0} s");
        var checkedCount = await CheckAsync(ctx, expected);

        var ids = couriers.Select(c => c.Id).ToArray();
        var clients = sizes.Clients;
        var wrk = Wrk.Find();
        if (wrk is null)
        {
            Ui.Warn("wrk is not installed (bench/run.sh installs it): the API side uses this process's HttpClient, which costs the machine several times more per request");
        }

        var paths = ids.Select(id => $"/couriers/{id}").ToArray();
        var warm = await GetLoadAsync(ctx, wrk, paths, TimeSpan.Zero, sizes.GetApiWarmup);
        Ui.Info($"API warmed up with GETs for {sizes.GetApiWarmup.TotalSeconds:0} s ({warm.PerSecond:N0} req/s meanwhile)");
        var apiRates = new List<double>();
        var sqlRates = new List<double>();
        Dictionary<string, object?>? apiLatency = null;
        Latencies? sqlLatency = null;
        var errors = 0L;
        string? firstError = null;
        for (var run = 0; run < sizes.GetRuns; run++)
        {
            var api = await GetLoadAsync(ctx, wrk, paths, sizes.GetWarmup, sizes.GetDuration);
            apiRates.Add(api.PerSecond);
            apiLatency = api.Summary();
            errors += api.Errors;
            firstError ??= api.FirstError;

            var sql = await Runner.ForAsync(clients, sizes.GetWarmup, sizes.GetDuration, async (worker, i) =>
            {
                var id = ids[(int)(((worker * 7919L) + (i * 31)) % ids.Length)];
                if (!await ctx.Db.GetCourierAsync(id, default))
                {
                    throw new InvalidOperationException($"courier {id}: no row");
                }
            });
            sqlRates.Add(sql.PerSecond);
            sqlLatency = sql.Latencies;
            errors += sql.Errors;
            firstError ??= sql.FirstError;
            Ui.Info($"run {run + 1}: API {api.PerSecond:N0} req/s (p50 {api.P50:0.00} ms), SQL {sql.PerSecond:N0} queries/s (p50 {sql.Latencies.P50:0.00} ms)");
        }

        // Orientation figures (no target): the period variant reads the 1,000 delivery rows; /health/live is the HTTP
        // floor; and the same GET driven by this process's HttpClient (the load generator of earlier results).
        var short1 = TimeSpan.FromSeconds(Math.Max(2, sizes.GetDuration.TotalSeconds / 2));
        var period = await GetLoadAsync(ctx, wrk, expected.Select(e => $"/couriers/{e.CourierId}?from={Iso(e.From)}&to={Iso(e.To)}").ToArray(), sizes.GetWarmup, short1);
        var floor = await GetLoadAsync(ctx, wrk, ["/health/live"], sizes.GetWarmup, short1);
        var httpClient = wrk is null ? null : await GetLoadAsync(ctx, null, paths, sizes.GetWarmup, short1);

        // And the baseline's SQL through a multiplexed source like the API's point reads (the baseline proper is
        // what the issue names: 32 connections, one query in flight on each).
        var multiplexed = await Runner.ForAsync(clients, sizes.GetWarmup, short1, async (worker, i) =>
        {
            var id = ids[(int)(((worker * 7919L) + (i * 31)) % ids.Length)];
            if (!await ctx.Db.GetCourierAsync(id, default, multiplexed: true))
            {
                throw new InvalidOperationException($"courier {id}: no row");
            }
        });
        Ui.Info($"period variant {period.PerSecond:N0} req/s; HTTP floor (/health/live) {floor.PerSecond:N0} req/s" +
            (httpClient is null ? "" : $"; GET with HttpClient as the load generator {httpClient.PerSecond:N0} req/s") +
            $"; the SQL multiplexed {multiplexed.PerSecond:N0} queries/s");

        var value = Latencies.Median(apiRates);
        var baseline = Latencies.Median(sqlRates);
        // Each API run and the SQL run right after it form a pair: the row's ratio is the median of the pairs' own
        // ratios, so a slow minute on one side of one pair does not decide it (the ratio of the two medians beside it).
        var ratios = apiRates.Zip(sqlRates, (api, sql) => api / sql).ToArray();
        var ratio = Latencies.Median(ratios);
        var result = new ScenarioResult
        {
            Name = "get_courier",
            Unit = "req/s",
            Value = Shown.Floor(value),
            Baseline = Math.Round(baseline),
            Ratio = Shown.Floor(ratio, 3),
            RatioMeaning = "API req/s ÷ the same SQL through Npgsql (queries/s), both with 32 connections: the median of the runs' own ratios (each API run paired with the SQL run after it; higher is better)",
            Target = Target,
            Met = value >= 5000 && ratio >= 0.5 && errors == 0,
            Data = $"{couriers.Length:N0} couriers × {sizes.DeliveriesPerCourier:N0} deliveries ({couriers.Length * sizes.DeliveriesPerCourier:N0} delivered orders); {sizes.GetRuns} × {sizes.GetDuration.TotalSeconds:0} s per side",
        };
        result.Details["connections"] = clients;
        result.Details["load_generator"] = wrk is null ? "HttpClient (this process)" : $"{Wrk.Version(wrk)}, {Math.Min(clients, Environment.ProcessorCount)} threads";
        result.Details["api_req_per_s_each_run"] = apiRates.Select(r => Math.Round(r)).ToArray();
        result.Details["sql_queries_per_s_each_run"] = sqlRates.Select(r => Math.Round(r)).ToArray();
        result.Details["ratio_each_run"] = ratios.Select(r => Math.Round(r, 3)).ToArray();
        result.Details["ratio_of_medians"] = Math.Round(value / baseline, 3);
        result.Details["api_latency"] = apiLatency;
        result.Details["sql_latency"] = sqlLatency?.Summary();
        result.Details["responses_checked_against_expected"] = checkedCount;
        result.Details["period_variant_req_per_s"] = Math.Round(period.PerSecond);
        result.Details["period_variant_latency"] = period.Summary();
        result.Details["http_floor_health_live_req_per_s"] = Math.Round(floor.PerSecond);
        result.Details["api_req_per_s_httpclient_load_generator"] = httpClient is null ? null : Math.Round(httpClient.PerSecond);
        result.Details["sql_multiplexed_queries_per_s"] = Math.Round(multiplexed.PerSecond);
        result.Details["ratio_to_sql_multiplexed"] = Math.Round(value / multiplexed.PerSecond, 3);
        result.Details["errors"] = errors + period.Errors + floor.Errors + multiplexed.Errors;
        result.Details["first_error"] = firstError ?? period.FirstError ?? floor.FirstError ?? multiplexed.FirstError;
        return [result];
    }

    /// <summary>GETs the paths in turn with 32 connections: through wrk when given, else this process's HttpClient.</summary>
    private static async Task<Wrk.Result> GetLoadAsync(BenchContext ctx, string? wrk, string[] paths, TimeSpan warmup, TimeSpan duration)
    {
        if (wrk is not null)
        {
            return await Wrk.GetAsync(wrk, ctx.Api.BaseAddress, paths, ctx.Sizes.Clients, warmup, duration);
        }

        var run = await Runner.ForAsync(ctx.Sizes.Clients, warmup, duration, async (worker, i) =>
        {
            var path = paths[(int)(((worker * 7919L) + (i * 31)) % paths.Length)];
            var (status, _) = await ctx.Api.GetAsync(path);
            if (status != HttpStatusCode.OK)
            {
                throw new InvalidOperationException($"GET {path}: {(int)status}");
            }
        });
        var l = run.Latencies;
        return new Wrk.Result(run.PerSecond, run.Operations, l.P50, l.Percentile(90), l.Percentile(99), l.Percentile(100), l.Mean, run.Errors, run.FirstError);
    }

    private static string Iso(DateTime t) => t.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The API must answer the earnings and rating the written history implies, with and without a period.</summary>
    private static async Task<int> CheckAsync(BenchContext ctx, List<History.Expected> expected)
    {
        var count = 0;
        foreach (var e in expected.Take(20))
        {
            foreach (var query in new[] { "", $"?from={Iso(e.From)}&to={Iso(e.To)}" })
            {
                var (status, body) = await ctx.Api.GetAsync($"/couriers/{e.CourierId}{query}");
                using var doc = JsonDocument.Parse(body);
                var earnings = doc.RootElement.GetProperty("earnings").GetInt64();
                decimal? rating = doc.RootElement.TryGetProperty("rating", out var r) ? r.GetDecimal() : null;
                if (status != HttpStatusCode.OK || earnings != e.Earnings || rating != e.Rating)
                {
                    throw new InvalidOperationException(
                        $"courier {e.CourierId}{query}: API says earnings {earnings}, rating {rating}; history implies {e.Earnings}, {e.Rating}");
                }

                count++;
            }
        }

        return count;
    }
}
