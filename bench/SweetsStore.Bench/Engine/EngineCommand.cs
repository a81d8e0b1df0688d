using System.Text.Json;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Loggers;
using BenchmarkDotNet.Running;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using SweetsStore.Bench.Report;

namespace SweetsStore.Bench.Engine;

/// <summary>
/// <c>engine [--quick] --out FILE</c>: BenchmarkDotNet on AssignmentEngine.Choose (in process, Release build) plus the
/// quality checks; writes the two result rows to FILE for the main run to merge.
/// </summary>
internal static class EngineCommand
{
    private const string TimeTarget = "≤ 1 ms at 1k candidates";
    private const string QualityTarget = "0 mismatches vs brute force (n ≤ 16) and an exact count × weight DP (n ≤ 10,000)";

    public static int Run(Options options)
    {
        var output = options.Require("out");
        var artifacts = options.Get("artifacts") ?? Path.Combine(Path.GetTempPath(), "sweetsstore-bench-bdn");
        Directory.CreateDirectory(artifacts);
        var results = new List<ScenarioResult>();

        Ui.Section("engine: AssignmentEngine.Choose (BenchmarkDotNet)");
        try
        {
            results.Add(Time(options.Quick, artifacts));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Ui.Warn($"engine benchmark failed: {e.Message}");
            results.Add(ScenarioResult.Failed("engine_choose_1k", "ms", TimeTarget, e));
        }

        Ui.Section("engine: quality against exact solvers");
        try
        {
            results.Add(Quality(options.Quick));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            Ui.Warn($"engine quality failed: {e.Message}");
            results.Add(ScenarioResult.Failed("engine_quality", "mismatches", QualityTarget, e));
        }

        File.WriteAllText(output, JsonSerializer.Serialize(results, Reporter.JsonOptions));
        return 0;
    }

    private static ScenarioResult Time(bool quick, string artifacts)
    {
        var job = (quick
                ? Job.ShortRun.WithWarmupCount(2).WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(150))
                : Job.Default.WithWarmupCount(6).WithIterationCount(15))
            .WithToolchain(InProcessEmitToolchain.Instance)
            .WithId(quick ? "ShortRun-InProcess" : "InProcess");
        var logPath = Path.Combine(artifacts, "engine.log");
        var config = ManualConfig.CreateEmpty()
            .AddJob(job)
            .AddColumnProvider(DefaultConfig.Instance.GetColumnProviders().ToArray())
            .AddDiagnoser(MemoryDiagnoser.Default)
            .AddLogger(new StreamLogger(logPath))
            .AddExporter(MarkdownExporter.GitHub)
            .WithArtifactsPath(artifacts)
            .WithOptions(ConfigOptions.DisableLogFile | ConfigOptions.JoinSummary);
        var summary = BenchmarkRunner.Run<EngineBenchmarks>(config);
        MarkdownExporter.Console.ExportToLog(summary, ConsoleLogger.Default);
        if (summary.HasCriticalValidationErrors || summary.Reports.Any(r => r.ResultStatistics is null))
        {
            throw new InvalidOperationException($"BenchmarkDotNet did not produce every result; see {logPath}");
        }

        var cases = summary.Reports.Select(r => new
        {
            Candidates = (int)r.BenchmarkCase.Parameters["Candidates"],
            CapacityCg = (int)r.BenchmarkCase.Parameters["CapacityCg"],
            MedianUs = r.ResultStatistics!.Median / 1000.0,
            P95Us = r.ResultStatistics.Percentiles.P95 / 1000.0,
            AllocatedBytes = r.GcStats.GetBytesAllocatedPerOperation(r.BenchmarkCase),
        }).OrderBy(c => c.Candidates).ThenBy(c => c.CapacityCg).ToList();

        var worst1k = cases.Where(c => c.Candidates == 1000).Max(c => c.MedianUs) / 1000.0;
        var result = new ScenarioResult
        {
            Name = "engine_choose_1k",
            Unit = "ms",
            Value = Math.Round(worst1k, 4),
            Target = TimeTarget,
            Met = worst1k <= 1.0,
            Data = "1,000 and 10,000 candidates, weights uniform 0.01–50 kg; capacities 10 / 15 / 50 kg; value = slowest capacity at 1k (median)",
        };
        result.Details["job"] = quick ? "ShortRun (2 warm-ups, 3 iterations of 150 ms), in process" : "6 warm-ups, 15 iterations, in process";
        result.Details["cases"] = cases.Select(c => new Dictionary<string, object?>
        {
            ["candidates"] = c.Candidates,
            ["capacity_kg"] = c.CapacityCg / 100.0,
            ["median_us"] = Math.Round(c.MedianUs, 2),
            ["p95_us"] = Math.Round(c.P95Us, 2),
            ["allocated_bytes"] = c.AllocatedBytes,
        }).ToList();
        result.Details["slowest_10k_ms"] = Math.Round(cases.Where(c => c.Candidates == 10_000).Max(c => c.MedianUs) / 1000.0, 4);
        return result;
    }

    private static ScenarioResult Quality(bool quick)
    {
        var report = EngineQuality.Run(quick);
        var mismatches = report.BruteMismatches + report.DpMismatches;
        Ui.Info($"brute force: {report.BruteMismatches} mismatches in {report.BruteInstances}; DP: {report.DpMismatches} in {report.DpInstances}; fallback used {report.FallbackInstances} times");
        var result = new ScenarioResult
        {
            Name = "engine_quality",
            Unit = "mismatches",
            Value = mismatches,
            Target = QualityTarget,
            Met = mismatches == 0,
            Data = $"{report.BruteInstances:N0} brute-force instances (n ≤ 16), {report.DpInstances:N0} DP instances (n 100–10,000)",
        };
        result.Details["brute_force_instances"] = report.BruteInstances;
        result.Details["brute_force_mismatches"] = report.BruteMismatches;
        result.Details["dp_instances"] = report.DpInstances;
        result.Details["dp_mismatches"] = report.DpMismatches;
        result.Details["fallback_instances"] = report.FallbackInstances;
        result.Details["fallback_total_lost_cg"] = report.FallbackLostCg;
        result.Details["first_mismatch"] = report.FirstMismatch;
        return result;
    }
}
