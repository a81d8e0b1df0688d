using System.Diagnostics;
using System.Text.Json;
using SweetsStore.Bench.Data;
using SweetsStore.Bench.Load;
using SweetsStore.Bench.Report;
using SweetsStore.Bench.Scenarios;

namespace SweetsStore.Bench;

/// <summary>
/// <c>run --api URL --db CONNECTION --api-pid PID --out DIR [--engine FILE] [--sdk VERSION] [--quick]</c>: every HTTP
/// scenario against a running API and its database (which this command empties), then latest.json and latest.md.
/// </summary>
internal static class RunCommand
{
    public static async Task<int> RunAsync(Options options)
    {
        var clock = Stopwatch.StartNew();
        var sizes = options.Quick ? Sizes.Quick : Sizes.Full;
        var outDir = options.Require("out");
        Directory.CreateDirectory(outDir);
        using var api = new Api(options.Require("api"), 64);
        await using var db = new Db(options.Require("db"));
        await api.WaitReadyAsync(TimeSpan.FromSeconds(90));
        var postmaster = options.GetInt("pg-pid");
        var ctx = new BenchContext(sizes, api, db, options.GetInt("api-pid")) { PostmasterPid = postmaster };
        var quietLimit = TimeSpan.FromSeconds(options.GetInt("wait-quiet") ?? 0);
        var loadAtStart = CpuWatch.LoadAverage();

        var version = await db.ScalarAsync<string>("SHOW server_version");
        var settings = new Dictionary<string, string>();
        foreach (var name in new[] { "shared_buffers", "effective_cache_size", "fsync", "synchronous_commit", "full_page_writes", "wal_compression", "max_wal_size", "checkpoint_timeout", "random_page_cost", "max_connections", "work_mem" })
        {
            settings[name] = await db.ScalarAsync<string>($"SHOW {name}");
        }

        var machine = Machine.Facts(version, settings, options.Get("sdk"));
        Ui.Info($"mode {sizes.Mode}; PostgreSQL {version}; {Environment.ProcessorCount} cores; load average {loadAtStart}");

        // --only import,get_courier: just the scenarios whose name (or one of whose rows' names) starts with one of these.
        var only = options.Get("only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        await db.TruncateAllAsync(); // whichever scenario comes first finds an empty database
        var results = new List<ScenarioResult>();
        async Task Scenario(Func<BenchContext, Task<List<ScenarioResult>>> scenario, params (string Name, string Unit)[] rows)
        {
            if (only is not null && !rows.Any(r => only.Any(o => r.Name.StartsWith(o, StringComparison.Ordinal))))
            {
                return;
            }

            // The machine is shared: wait (a bounded time) for others to go quiet, and record how busy they were.
            var (quiet, waited, others) = await CpuWatch.WaitQuietAsync(ctx.ApiPid, postmaster, quietLimit);
            if (!quiet && quietLimit > TimeSpan.Zero)
            {
                Ui.Warn($"other processes still use {others:P0} of the CPU after {waited.TotalSeconds:0} s; measuring anyway");
            }

            var watch = new CpuWatch(ctx.ApiPid, postmaster);
            var started = Stopwatch.GetTimestamp();
            var produced = await GuardAsync(scenario, ctx, rows);
            var elapsed = Stopwatch.GetElapsedTime(started);
            // Shares over less than a couple of seconds mean nothing (a probe that answers 404, say).
            var cpu = elapsed > TimeSpan.FromSeconds(2) ? watch.Summary() : new Dictionary<string, object?> { ["others"] = 0.0 };
            if (elapsed > TimeSpan.FromSeconds(2))
            {
                cpu["cores"] = watch.Cores();
            }

            cpu["scenario_s"] = Math.Round(elapsed.TotalSeconds, 1);
            cpu["waited_for_quiet_s"] = Math.Round(waited.TotalSeconds, 1);
            foreach (var row in produced)
            {
                row.Details["cpu_during_scenario"] = cpu;
            }

            if ((double)cpu["others"]! > 0.10)
            {
                Ui.Warn($"other processes used {(double)cpu["others"]!:P0} of the machine during {string.Join(", ", rows.Select(r => r.Name))}: figures disturbed");
            }

            results.AddRange(produced);
        }

        await Scenario(ImportScenario.RunAsync, ("import_10k", "orders/s"), ("import_100k", "orders/s"));
        await Scenario(AssignSequentialScenario.RunAsync, ("assign_seq_1m_p99", "ms"), ("assign_seq_p50_growth", "×"));
        await Scenario(ConcurrentScenario.RunAsync, ("assign_concurrent", "assigns/s"), ("complete", "completes/s"),
            ("assign_concurrent_pg_cpu", "ms/assign"), ("assign_concurrent_api_cpu", "ms/assign"));
        await Scenario(GetCourierScenario.RunAsync, ("get_courier", "req/s"));
        await Scenario(c => MetricsCostScenario.RunAsync(c,
                new MetricsCostScenario.Twins(options.Get("api-metrics-on"), options.GetInt("api-metrics-on-pid"), options.Get("api-metrics-off"), options.GetInt("api-metrics-off-pid"))),
            ("metrics_cost_get_courier", "req/s"), ("metrics_cost_assign_concurrent", "assigns/s"));
        await Scenario(IdempotencyScenario.RunAsync, ("idempotency_import_10k", "×"), ("idempotency_assign_1m", "×"), ("preview_1m", "ms"));
        if (only is null || only.Any(o => "engine".StartsWith(o, StringComparison.Ordinal)))
        {
            results.AddRange(EngineResults(options.Get("engine")));
        }

        await Scenario(MemoryScenario.RunAsync, ("memory_background_import", "MiB"));
        await Scenario(BackgroundImportScenario.RunAsync, ("background_import_1m", "orders/s"), ("background_import_1m_peak_rss", "MiB"), ("idle_cpu_hangfire", "% of one core"));
        machine["load_average_start"] = loadAtStart;
        machine["load_average_end"] = CpuWatch.LoadAverage();

        Reporter.PrintTable(results);
        var json = Path.Combine(outDir, "latest.json");
        var md = Path.Combine(outDir, "latest.md");
        Reporter.WriteJson(json, sizes.Mode, machine, results, clock.Elapsed);
        Reporter.WriteMarkdown(md, sizes.Mode, machine, results, clock.Elapsed);
        Ui.Info($"wrote {json} and {md}");
        Ui.Info($"targets met: {results.Count(r => r.Met)} of {results.Count}");
        return 0;
    }

    /// <summary>A scenario that throws still reports: its rows carry the error, no figure and met = false.</summary>
    private static async Task<List<ScenarioResult>> GuardAsync(
        Func<BenchContext, Task<List<ScenarioResult>>> scenario, BenchContext ctx, params (string Name, string Unit)[] rows)
    {
        try
        {
            return await scenario(ctx);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Ui.Warn($"{string.Join(", ", rows.Select(r => r.Name))} failed: {e}");
            return rows.Select(r => ScenarioResult.Failed(r.Name, r.Unit, "see error", e)).ToList();
        }
    }

    private static List<ScenarioResult> EngineResults(string? path)
    {
        try
        {
            if (path is null || !File.Exists(path))
            {
                throw new FileNotFoundException("the engine command's results are missing (run `engine --out FILE` first)", path);
            }

            return JsonSerializer.Deserialize<List<ScenarioResult>>(File.ReadAllText(path), Reporter.JsonOptions)
                ?? throw new InvalidDataException($"{path} is empty");
        }
        catch (Exception e) when (e is IOException or JsonException or InvalidDataException)
        {
            return [ScenarioResult.Failed("engine_choose_1k", "ms", "≤ 1 ms at 1k candidates", e)];
        }
    }
}
