using System.Text;
using System.Text.Json;
using SweetsStore.Bench.Data;
using SweetsStore.Bench.Report;

namespace SweetsStore.Bench.Prototypes;

/// <summary>
/// <c>prototype --db CONNECTION --pg-pid PID --dir bench/prototypes --out DIR [--part assign|import|all] [--rounds N]
/// [--variants a,b2,...] [--couriers N] [--import-rounds N] [--rebuild 1] [--reload 1]</c>: the SQL-level prototypes of
/// the write path (docs/decisions/0016-write-path.md). Writes DIR/prototypes.md and DIR/prototypes.json.
/// </summary>
internal static class PrototypeCommand
{
    public static readonly string[] DefaultVariants =
    [
        "a", "a_sorted", "b1", "b2", "b2n", "b2n_unsorted", "b3", "c", "a:1x1", "b2n:1x1",
        "a/coalesced", "b2n/coalesced", "a/coalesced:1x32", "b2n/coalesced:1x32", "b2n/coalesced:2x16", "b2n/coalesced:1x8",
    ];

    public static async Task<int> RunAsync(Options options)
    {
        var root = options.Require("dir");
        var outDir = options.Require("out");
        var postmaster = options.GetInt("pg-pid") ?? throw new ArgumentException("--pg-pid is required");
        var part = options.Get("part") ?? "all";
        var rounds = options.GetInt("rounds") ?? 3;
        var couriers = options.GetInt("couriers") ?? 4000;
        var importRounds = options.GetInt("import-rounds") ?? 5;
        await using var db = new Db(options.Require("db"));
        var tools = new PgTools(options.Require("db"), options.Get("pg-bin"));
        await db.ExecuteAsync("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        var version = await db.ScalarAsync<string>("SHOW server_version");
        var settings = new Dictionary<string, string>();
        foreach (var name in new[] { "shared_buffers", "fsync", "synchronous_commit", "full_page_writes", "autovacuum", "max_wal_size", "checkpoint_timeout" })
        {
            settings[name] = await db.ScalarAsync<string>($"SHOW {name}");
        }

        var machine = Machine.Facts(version, settings, null);
        Directory.CreateDirectory(outDir);
        Ui.Section("data: the bench's 1M orders and couriers in public");
        await PrototypeData.LoadAsync(db, options.Get("reload") == "1");

        var md = new StringBuilder();
        md.AppendLine("# Write-path prototypes (bench/prototypes/run.sh)");
        md.AppendLine();
        md.AppendLine($"PostgreSQL {version} ({string.Join(", ", settings.Select(s => $"{s.Key}={s.Value}"))}), {Environment.ProcessorCount} cores shared by PostgreSQL, pgbench and other agents' work.");
        md.AppendLine($"Generated {DateTime.UtcNow:yyyy-MM-ddTHH:mmZ}; load average at start {Load.CpuWatch.LoadAverage()}. Every figure below comes from this run.");
        md.AppendLine();
        var json = new Dictionary<string, object?> { ["machine"] = machine };

        if (part is "assign" or "all")
        {
            var names = options.Get("variants")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? DefaultVariants;
            var variants = names.Select(n => AssignPrototype.Parse(root, n)).ToList();
            var (runs, checks) = await AssignPrototype.RunAsync(tools, db, postmaster, root, variants, rounds, couriers, options.Get("rebuild") == "1");
            md.AppendLine($"## Assign: {couriers:N0} couriers per run, 1M pool, pgbench -M prepared");
            md.AppendLine();
            md.Append(AssignPrototype.Markdown(variants, runs, checks));
            md.AppendLine();
            json["assign_runs"] = runs;
            json["assign_checks"] = checks;
        }

        if (part is "import" or "all")
        {
            Ui.Section("import: COPY of 100,000 orders per design");
            var runs = await ImportPrototype.RunAsync(db, postmaster, importRounds);
            md.AppendLine("## Import: binary COPY");
            md.AppendLine();
            md.Append(ImportPrototype.Markdown(runs));
            json["import_runs"] = runs;
        }

        machine["load_average_end"] = Load.CpuWatch.LoadAverage();
        var suffix = options.Get("label") is { } label ? "-" + label : "";
        await File.WriteAllTextAsync(Path.Combine(outDir, $"prototypes{suffix}.md"), md.ToString());
        await File.WriteAllTextAsync(Path.Combine(outDir, $"prototypes{suffix}.json"), JsonSerializer.Serialize(json, Reporter.JsonOptions));
        Console.WriteLine(md.ToString());
        Ui.Info($"wrote {Path.Combine(outDir, $"prototypes{suffix}.md")}");
        return 0;
    }
}
