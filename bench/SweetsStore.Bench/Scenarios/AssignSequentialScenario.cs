using System.Diagnostics;
using SweetsStore.Bench.Data;
using SweetsStore.Bench.Load;
using SweetsStore.Bench.Report;
using SweetsStore.Domain;

namespace SweetsStore.Bench.Scenarios;

/// <summary>
/// One client, one courier after another: POST /orders/assign latency on pools of 100,000 and 1,000,000 pending
/// orders in 1,000 regions, against the candidate query alone (Pool.cs's LATERAL walk through Npgsql, same couriers,
/// same pool, same order). Each run starts from the same pool: assigned orders go back and the table is vacuumed.
/// </summary>
internal static class AssignSequentialScenario
{
    public const long SeqFirstId = 1;
    public const long WarmupFirstId = 2001;

    private sealed record Measured(Latencies Api, Latencies Sql, Latencies Engine, double QueriesPerRead, double OrdersPerBundle, int Empty)
    {
        /// <summary>Checkpoints and autovacuum runs during the API's assigns, and the share of the machine others used meanwhile.</summary>
        public (long Checkpoints, long Autovacuums, double Others) During { get; init; }
    }

    public static async Task<List<ScenarioResult>> RunAsync(BenchContext ctx)
    {
        Ui.Section("assign, sequential: POST /orders/assign vs the candidate query alone");
        var sizes = ctx.Sizes;
        var couriers = Fakes.Couriers(SeqFirstId, sizes.SeqCouriers, Fakes.Seed + 1);
        var warmup = Fakes.Couriers(WarmupFirstId, sizes.WarmupCouriers, Fakes.Seed + 2);
        await ctx.Db.TruncateAllAsync();
        await ctx.CreateCouriersAsync(couriers);
        await ctx.CreateCouriersAsync(warmup);

        var measured = new Dictionary<int, List<Measured>>();
        var loaded = 0;
        foreach (var poolSize in new[] { sizes.SmallPool, sizes.LargePool })
        {
            var started = Stopwatch.GetTimestamp();
            var rows = ctx.Pool.AsSpan(loaded, poolSize - loaded).ToArray();
            await ctx.LoadPoolAsync(rows);

            loaded = poolSize;
            await ctx.Db.VacuumAsync();
            Ui.Info($"pool of {poolSize:N0} orders loaded by {BenchContext.PoolLoader} and vacuumed in {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");

            var runs = new List<Measured>();
            var count = poolSize == sizes.LargePool ? sizes.SeqRuns : sizes.SeqRunsSmall;
            for (var run = 0; run < count; run++)
            {
                await ctx.Db.CheckpointAsync();
                runs.Add(await MeasureOnceAsync(ctx, couriers, warmup));
                var m = runs[^1];
                Ui.Info($"pool {poolSize:N0} run {run + 1}: API p50 {m.Api.P50:0.00} ms p99 {m.Api.P99:0.00} ms max {m.Api.Max:0.00} ms; SQL p50 {m.Sql.P50:0.00} ms p99 {m.Sql.P99:0.00} ms; {m.QueriesPerRead:0.00} queries per read; {m.OrdersPerBundle:0.0} orders per bundle; during the API's assigns {m.During.Checkpoints} checkpoints, {m.During.Autovacuums} autovacuums, others {m.During.Others:P0} of the machine");
                await ctx.Db.ResetDeliveriesAsync(long.MaxValue);
            }

            measured[poolSize] = runs;
        }

        return Summarize(ctx, measured);
    }

    private static async Task<Measured> MeasureOnceAsync(BenchContext ctx, CourierRow[] couriers, CourierRow[] warmup)
    {
        // The query alone, first (it reads and changes nothing), on one open connection like a pooled API request.
        var sql = new Latencies();
        var engine = new Latencies();
        long queries = 0;
        await using (var connection = await ctx.Db.Source.OpenConnectionAsync())
        {
            foreach (var courier in warmup)
            {
                await Db.ReadCandidatesAsync(connection, courier.Regions, courier.Type.Capacity(), Fakes.Multirange(courier.Hours), default);
            }

            foreach (var courier in couriers)
            {
                var capacity = courier.Type.Capacity();
                var hours = Fakes.Multirange(courier.Hours);
                var started = Stopwatch.GetTimestamp();
                var (candidates, rounds) = await Db.ReadCandidatesAsync(connection, courier.Regions, capacity, hours, default);
                sql.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                queries += rounds;

                // The engine's share, on the very candidates the API would get (not part of the SQL figure).
                started = Stopwatch.GetTimestamp();
                AssignmentEngine.Choose(candidates, capacity);
                engine.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        }

        var api = new Latencies();
        long orders = 0;
        var empty = 0;
        await WarmUpAsync(ctx, warmup);

        var before = await ctx.Db.ActivityAsync();
        var watch = new CpuWatch(ctx.ApiPid, ctx.PostmasterPid);
        foreach (var courier in couriers)
        {
            var started = Stopwatch.GetTimestamp();
            var answer = await ctx.Api.AssignAsync(courier.Id);
            api.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            orders += answer.OrderIds.Length;
            empty += answer.OrderIds.Length == 0 ? 1 : 0;
        }

        var others = watch.Shares().Others;
        var after = await ctx.Db.ActivityAsync();
        return new Measured(api, sql, engine, (double)queries / couriers.Length, (double)orders / couriers.Length, empty)
        {
            During = (after.Checkpoints - before.Checkpoints, after.Autovacuums - before.Autovacuums, others),
        };
    }

    /// <summary>
    /// Assigns the warm-up couriers, giving their orders back, until <see cref="Sizes.AssignWarmup"/> has passed (the
    /// first time; once over them afterwards). A fresh API keeps compiling its hot paths (tiered JIT) for seconds.
    /// </summary>
    public static async Task WarmUpAsync(BenchContext ctx, CourierRow[] warmup)
    {
        var started = Stopwatch.GetTimestamp();
        var limit = ctx.WarmedUp ? TimeSpan.Zero : ctx.Sizes.AssignWarmup;
        var ids = warmup.Select(c => c.Id).ToArray();
        do
        {
            foreach (var courier in warmup)
            {
                var answer = await ctx.Api.AssignAsync(courier.Id);
                if (answer.AssignTime is { } time && answer.OrderIds.Length > 1)
                {
                    var at = DateTimeOffset.Parse(time, System.Globalization.CultureInfo.InvariantCulture).AddMinutes(1).UtcDateTime;
                    await ctx.Api.CompleteAsync(courier.Id, answer.OrderIds[0], at.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", System.Globalization.CultureInfo.InvariantCulture));
                }
            }

            await GiveBackAsync(ctx, ids);
        }
        while (Stopwatch.GetElapsedTime(started) < limit);

        if (!ctx.WarmedUp)
        {
            Ui.Info($"API warmed up with assigns for {Stopwatch.GetElapsedTime(started).TotalSeconds:0.0} s");
            ctx.WarmedUp = true;
        }
    }

    /// <summary>Gives the warm-up couriers' orders back (and forgets their bundles) so the measured couriers see the same pool.</summary>
    public static async Task GiveBackAsync(BenchContext ctx, long[] ids)
    {
        await using var command = ctx.Db.Source.CreateCommand(
            """
            WITH b AS (SELECT bundle_id FROM bundles WHERE courier_id = ANY($1)),
                 o AS (UPDATE orders SET bundle_id = NULL, complete_time = NULL, delivery_micros = NULL
                       WHERE bundle_id IN (SELECT bundle_id FROM b) RETURNING 1)
            SELECT count(*) FROM o
            """);
        command.Parameters.Add(new Npgsql.NpgsqlParameter<long[]> { TypedValue = ids });
        await command.ExecuteScalarAsync();
        await ctx.Db.ExecuteAsync(
            $"DELETE FROM courier_region_stats WHERE courier_id BETWEEN {ids.Min()} AND {ids.Max()}; " +
            $"DELETE FROM bundles WHERE courier_id BETWEEN {ids.Min()} AND {ids.Max()}; " +
            $"UPDATE couriers SET earnings = 0 WHERE courier_id BETWEEN {ids.Min()} AND {ids.Max()} AND earnings <> 0");
    }

    private static List<ScenarioResult> Summarize(BenchContext ctx, Dictionary<int, List<Measured>> measured)
    {
        var small = ctx.Sizes.SmallPool;
        var large = ctx.Sizes.LargePool;
        double Med(int pool, Func<Measured, double> f) => Latencies.Median(measured[pool].Select(f));

        var apiP99Large = Med(large, m => m.Api.P99);
        var sqlP99Large = Med(large, m => m.Sql.P99);
        var apiP50Small = Med(small, m => m.Api.P50);
        var apiP50Large = Med(large, m => m.Api.P50);
        var sqlP50Small = Med(small, m => m.Sql.P50);
        var sqlP50Large = Med(large, m => m.Sql.P50);

        var details = new Dictionary<string, object?>
        {
            ["couriers_per_run"] = ctx.Sizes.SeqCouriers,
            ["warmup_couriers"] = ctx.Sizes.WarmupCouriers,
            ["runs"] = ctx.Sizes.SeqRuns,
            ["runs_100k"] = ctx.Sizes.SeqRunsSmall,
            ["value_is"] = "the median over the runs on the 1M pool of each run's p99 (a CHECKPOINT before each run)",
        };
        var largeRuns = measured[large];
        var pooled = new Latencies();
        foreach (var run in largeRuns)
        {
            pooled.AddRange(run.Api.Samples);
        }

        details["api_1m_p99_each_run_ms"] = largeRuns.Select(r => Math.Round(r.Api.P99, 2)).ToArray();
        details["api_1m_p99_spread_ms"] = $"{largeRuns.Min(r => r.Api.P99):0.00}–{largeRuns.Max(r => r.Api.P99):0.00}";
        details["api_1m_p99_all_samples_ms"] = Math.Round(pooled.P99, 2);
        details["api_1m_samples"] = pooled.Count;
        details["api_1m_samples_over_10ms_each_run"] = largeRuns.Select(r => r.Api.Samples.Count(x => x > 10)).ToArray();
        details["api_1m_max_each_run_ms"] = largeRuns.Select(r => Math.Round(r.Api.Max, 2)).ToArray();
        details["checkpoints_during_each_run"] = largeRuns.Select(r => r.During.Checkpoints).ToArray();
        details["autovacuums_during_each_run"] = largeRuns.Select(r => r.During.Autovacuums).ToArray();
        details["others_share_each_run"] = largeRuns.Select(r => Math.Round(r.During.Others, 3)).ToArray();
        foreach (var (pool, runs) in measured)
        {
            var key = pool == small ? "100k" : "1m";
            details[$"api_{key}"] = Percentiles(runs.Select(r => r.Api).ToList());
            details[$"sql_{key}"] = Percentiles(runs.Select(r => r.Sql).ToList());
            details[$"engine_{key}"] = Percentiles(runs.Select(r => r.Engine).ToList());
            details[$"candidate_queries_per_assign_{key}"] = Math.Round(runs.Average(r => r.QueriesPerRead), 2);
            details[$"orders_per_bundle_{key}"] = Math.Round(runs.Average(r => r.OrdersPerBundle), 1);
            details[$"empty_answers_{key}"] = runs.Sum(r => r.Empty);
        }

        var data = $"{ctx.Sizes.SeqCouriers:N0} couriers × {ctx.Sizes.SeqRuns} runs on {large:N0} pending orders (× {ctx.Sizes.SeqRunsSmall} on {small:N0}) in {Fakes.Regions:N0} regions";
        var p99 = new ScenarioResult
        {
            Name = "assign_seq_1m_p99",
            Unit = "ms",
            Value = Shown.Ceiling(apiP99Large, 2),
            Baseline = Math.Round(sqlP99Large, 2),
            Ratio = Math.Round(apiP99Large / sqlP99Large, 2),
            RatioMeaning = "API p99 ÷ candidate-query p99 (lower is better; the excess is HTTP, locking, the engine, the writes and the commit)",
            Target = "p99 ≤ 10 ms at 1M",
            Met = apiP99Large <= 10,
            Data = data,
        };
        var growth = apiP50Large / apiP50Small;
        var sqlGrowth = sqlP50Large / sqlP50Small;
        var scaling = new ScenarioResult
        {
            Name = "assign_seq_p50_growth",
            Unit = "×",
            Value = Shown.Ceiling(growth, 2),
            Baseline = Math.Round(sqlGrowth, 2),
            Ratio = Math.Round(growth / sqlGrowth, 2),
            RatioMeaning = "value: API p50 at 1M ÷ API p50 at 100k; baseline: the same for the candidate query alone; ratio: value ÷ baseline",
            Target = "p50 at 1M ≤ 2 × p50 at 100k",
            Met = growth <= 2,
            Data = data,
        };
        scaling.Details["api_p50_100k_ms"] = Math.Round(apiP50Small, 3);
        scaling.Details["api_p50_1m_ms"] = Math.Round(apiP50Large, 3);
        scaling.Details["sql_p50_100k_ms"] = Math.Round(sqlP50Small, 3);
        scaling.Details["sql_p50_1m_ms"] = Math.Round(sqlP50Large, 3);
        foreach (var (key, value) in details)
        {
            p99.Details[key] = value;
        }

        return [p99, scaling];
    }

    /// <summary>Median over runs of each percentile.</summary>
    private static Dictionary<string, object?> Percentiles(List<Latencies> runs) => new()
    {
        ["p50_ms"] = Math.Round(Latencies.Median(runs.Select(r => r.P50)), 3),
        ["p90_ms"] = Math.Round(Latencies.Median(runs.Select(r => r.Percentile(90))), 3),
        ["p99_ms"] = Math.Round(Latencies.Median(runs.Select(r => r.P99)), 3),
        ["max_ms"] = Math.Round(Latencies.Median(runs.Select(r => r.Max)), 3),
        ["mean_ms"] = Math.Round(Latencies.Median(runs.Select(r => r.Mean)), 3),
    };
}
