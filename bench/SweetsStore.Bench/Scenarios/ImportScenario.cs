using System.Diagnostics;
using System.Net;
using SweetsStore.Bench.Data;
using SweetsStore.Bench.Load;
using SweetsStore.Bench.Report;

namespace SweetsStore.Bench.Scenarios;

/// <summary>
/// POST /orders of 10,000 and 100,000 orders into an empty table, against a binary COPY of the same rows into the
/// same table (truncated before each attempt). API and COPY attempts alternate; the rates are medians, the ratio is the
/// median of each attempt's API ÷ COPY (the two sides of an attempt run back to back, so a slower minute of the shared
/// machine moves both: steadier than the ratio of the two medians, which is kept in the details).
/// </summary>
internal static class ImportScenario
{
    private const double LeastRate = 150_000;

    private static readonly int[] ImportSizes = [10_000, 100_000];

    // Warm-up attempts before each size's measured ones, not counted (decision 0016, *A warm import*). A fresh API runs
    // the import loop in tier-0 JIT code for its first requests (a 10,000-order import took 250 ms on its first and
    // 65-90 ms from the fifth on), so the first size also warms the API up. After 8 such imports the first measured
    // attempts were still slower than the later ones (over 21 runs: a 10,000-order import's rate rising through its
    // first ~10 attempts, the first 100,000-order attempt at 0.73 of its run's median). A service that has run for a
    // minute is past that; these rows measure it there.
    private const int FreshApiWarmups = 20;
    private const int WarmupsPerSize = 3;

    private static int WarmupsAt(int size) => WarmupsPerSize + (size == ImportSizes[0] ? FreshApiWarmups : 0);

    public static async Task<List<ScenarioResult>> RunAsync(BenchContext ctx)
    {
        Ui.Section("import: POST /orders vs binary COPY");
        var results = new List<ScenarioResult>();
        await ctx.Db.TruncateAllAsync();

        foreach (var size in ImportSizes)
        {
            var name = size == 100_000 ? "import_100k" : "import_10k";
            try
            {
                results.Add(await MeasureAsync(ctx, name, size));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                Ui.Warn($"{name} failed: {e.Message}");
                results.Add(ScenarioResult.Failed(name, "orders/s", Goal(size).Target, e));
            }
        }

        await ctx.Db.ExecuteAsync("TRUNCATE orders");
        return results;
    }

    /// <summary>The row's target: issue 22 asks the 100k import for at least the COPY's rate; the 10k one keeps the older half of it.</summary>
    private static (string Target, double LeastRatio) Goal(int size)
    {
        var least = size == 100_000 ? 1.0 : 0.5;
        return ($"≥ {LeastRate:N0} orders/s and ≥ {least:0.0} × COPY", least);
    }

    private static async Task<ScenarioResult> MeasureAsync(BenchContext ctx, string name, int size)
    {
        var rows = ctx.Pool.AsSpan(0, size).ToArray();
        var body = Fakes.OrdersJson(rows);
        var apiRates = new List<double>();
        var copyRates = new List<double>();
        var apiCpu = new List<(double Api, double Postgres)>(); // CPU per import: steadier than wall time on a shared machine
        var copyCpu = new List<double>();
        var cpu = new CpuWatch(ctx.ApiPid, ctx.PostmasterPid);

        for (var i = 0; i < WarmupsAt(size); i++)
        {
            await ImportAsync();
            await CopyAsync();
        }

        apiRates.Clear();
        copyRates.Clear();
        apiCpu.Clear();
        copyCpu.Clear();
        for (var run = 0; run < ctx.Sizes.ImportRuns; run++)
        {
            // Which side goes first alternates, so whatever one side leaves behind (an autovacuum of the rows it wrote,
            // dirty pages) falls on each side alike.
            if (run % 2 == 0)
            {
                await ImportAsync();
                await CopyAsync();
            }
            else
            {
                await CopyAsync();
                await ImportAsync();
            }

            Ui.Info($"{name} run {run + 1}: API {apiRates[^1]:N0} orders/s, COPY {copyRates[^1]:N0} orders/s");
        }

        async Task ImportAsync()
        {
            await ctx.Db.ExecuteAsync("TRUNCATE orders");
            cpu.Restart();
            var started = Stopwatch.GetTimestamp();
            await ctx.Api.PostAsync("/orders", body, HttpStatusCode.Created);
            apiRates.Add(size / Stopwatch.GetElapsedTime(started).TotalSeconds);
            apiCpu.Add(cpu.Milliseconds());
        }

        async Task CopyAsync()
        {
            await ctx.Db.ExecuteAsync("TRUNCATE orders");
            cpu.Restart();
            var copy = await ctx.Db.CopyOrdersAsync(rows);
            copyRates.Add(size / copy.TotalSeconds);
            copyCpu.Add(cpu.Milliseconds().Postgres);
        }

        // Where the API's time goes: the same body with its first order repeated second is refused (400) after parsing
        // and validating all of it, but the COPY stops at that second element (the import streams rows into COPY as
        // they validate), so this time is upload + JSON parsing + validation alone.
        var invalid = Fakes.OrdersJson(rows.Take(1).Concat(rows));

        // Into an empty table: a refused import looks up which of its valid ids already exist (decision 0004), and
        // after the attempts above every one of these would (a 400 listing them all).
        await ctx.Db.ExecuteAsync("TRUNCATE orders");
        var parseMs = new List<double>();
        for (var run = 0; run < ctx.Sizes.ImportRuns; run++)
        {
            var started = Stopwatch.GetTimestamp();
            await ctx.Api.PostAsync("/orders", invalid, HttpStatusCode.BadRequest);
            parseMs.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }

        var api = Latencies.Median(apiRates);
        var copyRate = Latencies.Median(copyRates);
        var ratios = apiRates.Zip(copyRates, (a, c) => a / c).ToList();
        var ratio = Latencies.Median(ratios);
        var (target, least) = Goal(size);
        var result = new ScenarioResult
        {
            Name = name,
            Unit = "orders/s",
            Value = Shown.Floor(api),
            Baseline = Math.Round(copyRate),
            Ratio = Shown.Floor(ratio, 3),
            RatioMeaning = "API orders/s ÷ COPY orders/s, the median of the attempts' ratios (higher is better; 1 = as fast as COPY)",
            Target = target,
            Met = api >= LeastRate && ratio >= least,
            Data = $"{size:N0} orders, {body.Length / 1024.0 / 1024.0:0.0} MiB JSON, empty table",
        };
        result.Details["runs"] = ctx.Sizes.ImportRuns;
        result.Details["warmup_attempts"] = $"{WarmupsAt(size)} of {size:N0} orders on each side before the measured ones (not counted)";
        result.Details["api_orders_per_s_each_run"] = apiRates.Select(r => Math.Round(r)).ToArray();
        result.Details["copy_orders_per_s_each_run"] = copyRates.Select(r => Math.Round(r)).ToArray();
        result.Details["ratio_each_run"] = ratios.Select(r => Math.Round(r, 3)).ToArray();
        result.Details["ratio_of_medians"] = Math.Round(api / copyRate, 3);
        result.Details["attempts_at_or_above_copy"] = ratios.Count(r => r >= 1.0);
        result.Details["api_cpu_ms_per_import"] = Math.Round(Latencies.Median(apiCpu.Select(c => c.Api).ToList()), 1);
        result.Details["postgres_cpu_ms_per_import"] = Math.Round(Latencies.Median(apiCpu.Select(c => c.Postgres).ToList()), 1);
        result.Details["postgres_cpu_ms_per_copy"] = Math.Round(Latencies.Median(copyCpu), 1);
        result.Details["api_ms"] = Math.Round(size / api * 1000, 1);
        result.Details["copy_ms"] = Math.Round(size / copyRate * 1000, 1);
        result.Details["parse_and_validate_only_ms"] = Math.Round(Latencies.Median(parseMs), 1);
        result.Details["parse_and_validate_note"] = "same body with its first order repeated second: answered 400 after full parsing and validation; the COPY stops at the second element";
        return result;
    }
}
