using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Npgsql;
using SweetsStore.Bench.Data;

namespace SweetsStore.Bench.Prototypes;

/// <summary>
/// Assign-path designs at the SQL level: each variant is a schema (bench/prototypes/assign/NAME/schema.sql, built from the
/// bench's data in <c>public</c>) and a pgbench script doing what one assign does in that design. Runs alternate between
/// variants (the order reversed every other round), each from the same reset state, with 32 clients over the bench's
/// 4,000 uniform couriers; then a contention run per variant (300 couriers in 10 regions) checks that nothing was handed
/// out twice.
/// </summary>
internal static partial class AssignPrototype
{
    public const long UniformFirst = 10_001;
    public const long HotFirst = 30_001;

    public sealed record Variant(string Name, string Schema, string Script, int Clients, int CouriersPerTransaction);

    public sealed record Statement(string Label, double CallsPerAssign, double MeanMs, double MsPerAssign, double BlocksHitPerCall, double BlocksReadPerCall, double DirtiedPerCall, double WalBytesPerCall);

    public sealed record Measured(
        string Variant, int Round, int Position, int Assigns, int Failed, int Retried, long Lost, long OrdersClaimed,
        double AssignsPerSecond, double PgMsPerAssign, double VacuumMsPerAssign, double PgBenchMsPerAssign, double WalBytesPerAssign,
        double OtherCores, double PgCores, double WindowSeconds, List<Statement> Statements)
    {
        public double TotalPgMsPerAssign => PgMsPerAssign + VacuumMsPerAssign;

        public double OrdersPerAssign => (double)OrdersClaimed / Assigns;
    }

    public sealed record Checked(string Variant, int Transactions, long Lost, long OrdersClaimed, Dictionary<string, long> Violations);

    /// <summary>
    /// A design's file: its own, or — for a variant of another design, named after it (<c>a_sorted</c> of <c>a</c>) —
    /// that design's when the variant has none, so a variant holds only what it changes (its <c>schema.sql</c>).
    /// </summary>
    private static string FileOf(string root, string schema, string name)
    {
        var own = Path.Combine(root, "assign", schema, name);
        var underscore = schema.IndexOf('_', StringComparison.Ordinal);
        return File.Exists(own) || underscore < 0 ? own : Path.Combine(root, "assign", schema[..underscore], name);
    }

    /// <summary>"schema", "schema/script" or "schema/script:CxK" (C clients of K couriers per transaction, overriding the script's header).</summary>
    public static Variant Parse(string root, string spec)
    {
        var shape = spec.Split(':');
        var parts = shape[0].Split('/');
        var schema = parts[0];
        var script = FileOf(root, schema, (parts.Length > 1 ? parts[1] : "assign") + ".pgbench");
        if (!File.Exists(script))
        {
            throw new FileNotFoundException($"no script for variant {spec}", script);
        }

        // A first-lines comment may say "-- prototype: clients=4 couriers-per-transaction=8".
        var clients = 32;
        var perTransaction = 1;
        foreach (var line in File.ReadLines(script).TakeWhile(l => l.StartsWith("--", StringComparison.Ordinal)))
        {
            if (ClientsSetting().Match(line) is { Success: true } c)
            {
                clients = int.Parse(c.Groups[1].Value, CultureInfo.InvariantCulture);
            }

            if (PerTransactionSetting().Match(line) is { Success: true } k)
            {
                perTransaction = int.Parse(k.Groups[1].Value, CultureInfo.InvariantCulture);
            }
        }

        if (shape.Length > 1)
        {
            var ck = shape[1].Split('x');
            clients = int.Parse(ck[0], CultureInfo.InvariantCulture);
            perTransaction = int.Parse(ck[1], CultureInfo.InvariantCulture);
        }

        return new Variant(spec, schema, script, clients, perTransaction);
    }

    public static async Task<(List<Measured> Runs, List<Checked> Checks)> RunAsync(
        PgTools tools, Db db, int postmaster, string root, IReadOnlyList<Variant> variants, int rounds, int couriers, bool rebuild)
    {
        foreach (var schema in variants.Select(v => v.Schema).Distinct())
        {
            var exists = await db.ScalarAsync<long>($"SELECT count(*) FROM pg_namespace WHERE nspname = '{schema}'") > 0;
            if (exists && !rebuild)
            {
                continue;
            }

            var started = DateTime.UtcNow;
            await tools.PsqlFileAsync(Path.Combine(root, "assign", schema, "schema.sql"), "public");
            Ui.Info($"schema {schema} built in {(DateTime.UtcNow - started).TotalSeconds:0} s");
        }

        var connect = await ConnectionCostAsync(tools, postmaster);
        Ui.Info($"a psql connection costs PostgreSQL {connect:0.0} ms of CPU (subtracted from the vacuum figures)");

        Ui.Section("warm-up: one unmeasured run per variant");
        foreach (var variant in variants)
        {
            await ResetAsync(tools, root, variant);
            await WithStatisticsKeptAsync(db, variant, () => PgBenchRun.RunAsync(tools, postmaster, Args(variant, UniformFirst, couriers, check: false), SearchPath(variant)));
        }

        var runs = new List<Measured>();
        for (var round = 1; round <= rounds; round++)
        {
            Ui.Section($"round {round} of {rounds}");
            var order = round % 2 == 1 ? variants : variants.Reverse().ToList();
            for (var position = 0; position < order.Count; position++)
            {
                var variant = order[position];
                await ResetAsync(tools, root, variant);
                var m = await MeasureAsync(tools, db, postmaster, root, variant, couriers, connect, round, position);
                runs.Add(m);
                Ui.Info($"{variant.Name,-16} PostgreSQL {m.PgMsPerAssign:0.000} + vacuum {m.VacuumMsPerAssign:0.000} ms/assign, {m.AssignsPerSecond:0} assigns/s, " +
                        $"pgbench {m.PgBenchMsPerAssign:0.000} ms, WAL {m.WalBytesPerAssign / 1024:0.0} KiB, {m.OrdersPerAssign:0.0} orders/assign, lost {m.Lost}, others {m.OtherCores:0.00} cores");
            }
        }

        Ui.Section("contention: 288 couriers in 10 regions, every answer logged and checked");
        var checks = new List<Checked>();
        foreach (var variant in variants)
        {
            await ResetAsync(tools, root, variant);
            var perRun = 288 / (variant.Clients * variant.CouriersPerTransaction) * variant.Clients * variant.CouriersPerTransaction;
            var run = await WithStatisticsKeptAsync(db, variant, () => PgBenchRun.RunAsync(tools, postmaster, Args(variant, HotFirst, perRun, check: true), SearchPath(variant)));
            var violations = new Dictionary<string, long>();
            foreach (var line in (await tools.PsqlFileAsync(FileOf(root, variant.Schema, "verify.sql"), SearchPath(variant))).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                var f = line.Split('\t');
                violations[f[0]] = long.Parse(f[1], CultureInfo.InvariantCulture);
            }

            var c = new Checked(variant.Name, run.Transactions, await LostAsync(tools, variant), await ClaimedAsync(tools, root, variant), violations);
            checks.Add(c);
            Ui.Info($"{variant.Name,-16} {c.Transactions} transactions, {c.Lost} lost races, {c.OrdersClaimed} orders claimed; violations: {string.Join(", ", violations.Select(v => $"{v.Key} {v.Value}"))}");
        }

        return (runs, checks);
    }

    private static async Task<Measured> MeasureAsync(
        PgTools tools, Db db, int postmaster, string root, Variant variant, int couriers, double connect, int round, int position)
    {
        var path = SearchPath(variant);
        var lsn0 = await db.ScalarAsync<string>("SELECT pg_current_wal_lsn()::text");
        await db.ExecuteAsync("SELECT pg_stat_statements_reset()");
        var run = await WithStatisticsKeptAsync(db, variant, () => PgBenchRun.RunAsync(tools, postmaster, Args(variant, UniformFirst, couriers, check: false), path));
        var wal = await db.ScalarAsync<double>($"SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '{lsn0}')");
        var k = variant.CouriersPerTransaction;
        var statements = await StatementsAsync(db);
        var lost = await LostAsync(tools, variant); // transactions (of k couriers each) that lost a race and rolled back

        // Per assign that handed out a bundle: a lost race rolls back and, in the API, is tried again, so its cost is
        // part of some successful assign's. (The window's transactions are scaled by the run's share of successes.)
        var success = (double)(run.Transactions - lost) / run.Transactions;
        var succeeded = (int)((run.Transactions - lost) * k);
        statements = statements.Select(st => st with { CallsPerAssign = st.CallsPerAssign / succeeded, MsPerAssign = st.MsPerAssign / succeeded }).ToList();
        var claimed = await ClaimedAsync(tools, root, variant);

        // What the run left to vacuum, measured: the tables its claims wrote.
        var before = Load.CpuWatch.PostgresTicks(postmaster);
        await tools.PsqlFileAsync(FileOf(root, variant.Schema, "vacuum.sql"), path);
        var vacuumMs = Math.Max(0, ((Load.CpuWatch.PostgresTicks(postmaster) - before) * 10.0) - connect);
        return new Measured(
            variant.Name, round, position, succeeded, run.Failed, run.Retried, lost, claimed,
            run.TransactionsPerSecond * k * success, run.PgMsPerTransaction / k / success, vacuumMs / succeeded,
            run.PgBenchMsPerTransaction / k / success, wal / succeeded, run.OtherCores, run.PgCores, run.WindowSeconds, statements);
    }

    /// <summary>
    /// Runs <paramref name="work"/> while doing what the API's StatisticsKeeper does (SweetsStore.Data/PlannerStatistics.cs):
    /// once a second, ANALYZE every table of the variant whose rows changed since its last ANALYZE are at least as many
    /// as it had then (and at least 500). Without it a table emptied by the reset (assignments) kept the plans made
    /// while it was empty (sequential scans) for the whole run: 5 ms of PostgreSQL CPU per assign with one client.
    /// Its CPU counts in the run's, as the API's would.
    /// </summary>
    private static async Task<T> WithStatisticsKeptAsync<T>(Db db, Variant variant, Func<Task<T>> work)
    {
        using var stop = new CancellationTokenSource();
        var keeper = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                var stale = await db.LinesAsync(
                    "SELECT s.relname FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid " +
                    $"WHERE s.schemaname = '{variant.Schema}' AND s.relname NOT LIKE 'proto%' AND s.n_mod_since_analyze >= greatest(500, c.reltuples)");
                foreach (var table in stale)
                {
                    await db.ExecuteAsync($"ANALYZE {variant.Schema}.{table}");
                }

                try
                {
                    await Task.Delay(1000, stop.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        });
        try
        {
            return await work();
        }
        finally
        {
            await stop.CancelAsync();
            await keeper;
        }
    }

    private static IEnumerable<string> Args(Variant variant, long first, int couriers, bool check)
    {
        var perClient = couriers / (variant.Clients * variant.CouriersPerTransaction);
        return
        [
            "-n", "-M", "prepared", "-c", $"{variant.Clients}", "-j", "2", "-t", $"{perClient}", "--max-tries", "20",
            "-D", $"first={first}", "-D", $"clients={variant.Clients}", "-D", "i=0", "-D", $"check={(check ? 1 : 0)}",
            "-D", $"K={variant.CouriersPerTransaction}", "-f", variant.Script,
        ];
    }

    private static string SearchPath(Variant variant) => $"{variant.Schema},public";

    /// <summary>
    /// A checkpoint (so each run starts a checkpoint cycle whose full-page images the reset has already paid), the
    /// variant's reset, and the courier sequence back to the first courier.
    /// </summary>
    private static async Task ResetAsync(PgTools tools, string root, Variant variant)
    {
        await tools.PsqlAsync("CHECKPOINT", "public");
        await tools.PsqlFileAsync(FileOf(root, variant.Schema, "reset.sql"), SearchPath(variant));
        await tools.PsqlAsync($"CREATE SEQUENCE IF NOT EXISTS {variant.Schema}.proto_next; SELECT setval('{variant.Schema}.proto_next', 1, false)", "public");
    }

    private static async Task<long> LostAsync(PgTools tools, Variant variant) =>
        long.Parse((await tools.PsqlAsync("SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM proto_lost", SearchPath(variant))).Trim(), CultureInfo.InvariantCulture);

    private static async Task<long> ClaimedAsync(PgTools tools, string root, Variant variant) =>
        long.Parse((await tools.PsqlFileAsync(FileOf(root, variant.Schema, "claimed.sql"), SearchPath(variant))).Trim(), CultureInfo.InvariantCulture);

    /// <summary>PostgreSQL CPU of a psql connection that runs one trivial statement (mean of 20: ticks are 10 ms), ms.</summary>
    private static async Task<double> ConnectionCostAsync(PgTools tools, int postmaster)
    {
        var before = Load.CpuWatch.PostgresTicks(postmaster);
        for (var i = 0; i < 20; i++)
        {
            await tools.PsqlAsync("SELECT 1", "public");
        }

        return (Load.CpuWatch.PostgresTicks(postmaster) - before) * 10.0 / 20;
    }

    /// <summary>pg_stat_statements since the reset, per label; CallsPerAssign and MsPerAssign hold totals (the caller divides).</summary>
    private static async Task<List<Statement>> StatementsAsync(Db db)
    {
        var rows = new List<Statement>();
        await using var command = db.Source.CreateCommand(
            """
            SELECT query, calls, total_exec_time, shared_blks_hit, shared_blks_read, shared_blks_dirtied, wal_bytes
            FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND query NOT LIKE '%pg_stat_statements%' AND query NOT LIKE '%pg_current_wal_lsn%' AND calls > 0
            ORDER BY total_exec_time DESC
            """);
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var calls = reader.GetInt64(1);
            var total = reader.GetDouble(2);
            rows.Add(new Statement(
                Label(reader.GetString(0)), calls, total / calls, total,
                (double)reader.GetInt64(3) / calls, (double)reader.GetInt64(4) / calls, (double)reader.GetInt64(5) / calls,
                (double)reader.GetDecimal(6) / calls));
        }

        // Statements of the same kind (say COMMIT after a claim and after an empty answer) add up under one label.
        return rows.GroupBy(r => r.Label).Select(g => new Statement(
            g.Key, g.Sum(r => r.CallsPerAssign), g.Sum(r => r.MsPerAssign) / Math.Max(1e-9, g.Sum(r => r.CallsPerAssign)), g.Sum(r => r.MsPerAssign),
            g.Average(r => r.BlocksHitPerCall), g.Average(r => r.BlocksReadPerCall), g.Average(r => r.DirtiedPerCall), g.Average(r => r.WalBytesPerCall)))
            .OrderByDescending(s => s.MsPerAssign).ToList();
    }

    /// <summary>A short name for a statement of the prototype scripts.</summary>
    public static string Label(string query)
    {
        var q = query.TrimStart();
        return q switch
        {
            _ when q.StartsWith("BEGIN", StringComparison.OrdinalIgnoreCase) => "BEGIN",
            _ when q.StartsWith("COMMIT", StringComparison.OrdinalIgnoreCase) => "COMMIT",
            _ when q.StartsWith("ROLLBACK", StringComparison.OrdinalIgnoreCase) => "ROLLBACK",
            _ when q.Contains("FOR NO KEY UPDATE", StringComparison.Ordinal) && !q.Contains("LATERAL", StringComparison.Ordinal) => "courier lock",
            _ when q.Contains("LATERAL", StringComparison.Ordinal) => "candidate read (+ choice)",
            _ when q.Contains("proto_couriers", StringComparison.Ordinal) && q.StartsWith("SELECT", StringComparison.Ordinal) => "courier read",
            _ when q.StartsWith("WITH", StringComparison.Ordinal) => "claim",
            _ when q.Contains("proto_answers", StringComparison.Ordinal) => "answer log",
            _ when q.Contains("nextval", StringComparison.Ordinal) && !q.Contains("couriers", StringComparison.Ordinal) => "lost race count",
            _ => Regex.Replace(q, @"\s+", " ")[..Math.Min(40, q.Length)],
        };
    }

    public static string Markdown(IReadOnlyList<Variant> variants, List<Measured> runs, List<Checked> checks)
    {
        var md = new StringBuilder();
        var baseline = variants[0].Name;
        md.AppendLine($"Per variant: median (min–max) over {runs.Max(r => r.Round)} rounds; ratios are each round's figure ÷ the same round's `{baseline}`.");
        md.AppendLine("PostgreSQL CPU = all its processes' CPU in the steady window ÷ assigns; vacuum = the CPU of vacuuming what the run left, ÷ its assigns.");
        md.AppendLine("\"Assigns\" are those that handed out a bundle: a lost race (rolled back; the API would try again) adds its cost to them.");
        md.AppendLine();
        var rows = new List<IReadOnlyList<string>>();
        foreach (var v in variants)
        {
            var mine = runs.Where(r => r.Variant == v.Name).ToList();
            var ratios = mine.Select(r => r.TotalPgMsPerAssign / runs.Single(b => b.Variant == baseline && b.Round == r.Round).TotalPgMsPerAssign);
            rows.Add([
                $"`{v.Name}`",
                Stats.Spread(mine.Select(r => r.PgMsPerAssign), "0.000"),
                Stats.Spread(mine.Select(r => r.VacuumMsPerAssign), "0.000"),
                Stats.Spread(mine.Select(r => r.TotalPgMsPerAssign), "0.000"),
                Stats.Spread(ratios, "0.00"),
                Stats.Spread(mine.Select(r => r.AssignsPerSecond), "0"),
                Stats.Spread(mine.Select(r => r.PgBenchMsPerAssign), "0.000"),
                Stats.Spread(mine.Select(r => r.WalBytesPerAssign / 1024), "0.0"),
                Stats.Spread(mine.Select(r => r.OrdersPerAssign), "0.0"),
                $"{mine.Sum(r => r.Lost)} / {mine.Sum(r => r.Failed)}",
                Stats.Spread(mine.Select(r => r.OtherCores), "0.00"),
            ]);
        }

        md.Append(Stats.Table(
            ["variant", "PostgreSQL ms/assign", "vacuum ms/assign", "total ms/assign", "total ÷ baseline", "assigns/s", "pgbench ms/assign", "WAL KiB/assign", "orders/assign", "lost races / failed tx", "others' cores"],
            rows));
        md.AppendLine();
        md.AppendLine("Server execution time per assign by statement (pg_stat_statements, wall time inside PostgreSQL; median over rounds):");
        md.AppendLine();
        var labels = runs.SelectMany(r => r.Statements).GroupBy(s => s.Label).OrderByDescending(g => g.Sum(s => s.MsPerAssign)).Select(g => g.Key).Take(8).ToList();
        var statementRows = new List<IReadOnlyList<string>>();
        foreach (var v in variants)
        {
            var mine = runs.Where(r => r.Variant == v.Name).ToList();
            var row = new List<string> { $"`{v.Name}`" };
            foreach (var label in labels)
            {
                var values = mine.Select(r => r.Statements.FirstOrDefault(s => s.Label == label)?.MsPerAssign ?? double.NaN).ToList();
                var blocks = mine.Select(r => r.Statements.FirstOrDefault(s => s.Label == label) is { } s ? s.BlocksHitPerCall + s.BlocksReadPerCall : double.NaN);
                row.Add(values.All(double.IsNaN) ? "—" : $"{Stats.Median(values):0.000} ({Stats.Median(blocks):0} buf)");
            }

            statementRows.Add(row);
        }

        md.Append(Stats.Table(["variant", .. labels.Select(l => l + " ms (buffers/call)")], statementRows));
        md.AppendLine();
        md.AppendLine("Contention check (288 couriers in 10 regions, 32 clients, every committed answer logged in its transaction):");
        md.AppendLine();
        md.Append(Stats.Table(
            ["variant", "transactions", "lost races", "orders claimed", "violations (all checks)"],
            checks.Select(c => (IReadOnlyList<string>)[
                $"`{c.Variant}`", $"{c.Transactions}", $"{c.Lost}", $"{c.OrdersClaimed}",
                c.Violations.Values.Sum() == 0 ? $"0 of {c.Violations.Count} checks" : string.Join(", ", c.Violations.Where(v => v.Value > 0).Select(v => $"{v.Key}: {v.Value}")),
            ])));
        return md.ToString();
    }

    [GeneratedRegex(@"clients=(\d+)")]
    private static partial Regex ClientsSetting();

    [GeneratedRegex(@"couriers-per-transaction=(\d+)")]
    private static partial Regex PerTransactionSetting();
}
