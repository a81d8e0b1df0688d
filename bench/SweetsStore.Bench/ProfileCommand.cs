using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using SweetsStore.Bench.Data;
using SweetsStore.Bench.Load;
using SweetsStore.Domain;

namespace SweetsStore.Bench;

/// <summary>
/// <c>profile --api URL --db CONNECTION --api-pid PID --pg-pid PID --label TEXT --out FILE [--keep-data] [--quick]</c>:
/// where the time of the slow scenarios goes. Needs pg_stat_statements (bench/profile.sh starts PostgreSQL with it).
/// For each endpoint: client latency against the server-side SQL time and statement count per request
/// (pg_stat_statements), CPU per process, and for assign the same transaction without HTTP (DeliveryService.AssignAsync).
/// Appends a markdown section to FILE.
/// </summary>
internal static class ProfileCommand
{
    private const long SeqFirst = 1;
    private const long LoadFirst = 10_001;
    private const long WarmFirst = 2_001;

    /// <summary>Bundles.FinishSql (SweetsStore.Data/Bundles.cs), copied for EXPLAIN.</summary>
    private const string FinishSql =
        """
        WITH finished AS (
            UPDATE bundles b
            SET finished_at = greatest($2, b.assign_time, (SELECT max(o.complete_time) FROM orders o WHERE o.bundle_id = b.bundle_id)),
                earnings = CASE WHEN EXISTS (SELECT 1 FROM orders o WHERE o.bundle_id = b.bundle_id AND o.complete_time IS NOT NULL)
                                THEN 500 * b.coefficient ELSE 0 END
            WHERE b.bundle_id = $1 AND b.finished_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.bundle_id = b.bundle_id AND o.complete_time IS NULL)
            RETURNING b.courier_id, b.earnings
        ), paid AS (
            UPDATE couriers c SET earnings = c.earnings + f.earnings
            FROM finished f WHERE c.courier_id = f.courier_id AND f.earnings > 0
        )
        SELECT coalesce((SELECT earnings FROM finished), 0)
        """;
    private const long HistoryFirst = 100_001;

    public static async Task<int> RunAsync(Options options)
    {
        var label = options.Require("label");
        var output = options.Require("out");
        var quick = options.Quick;
        using var api = new Api(options.Require("api"), 64);
        await using var db = new Db(options.Require("db"));
        await api.WaitReadyAsync(TimeSpan.FromSeconds(90));
        int? apiPid = options.GetInt("api-pid");
        int? pgPid = options.GetInt("pg-pid");
        var md = new StringBuilder();
        var seq = Fakes.Couriers(SeqFirst, quick ? 200 : 500, Fakes.Seed + 1);
        var warm = Fakes.Couriers(WarmFirst, 200, Fakes.Seed + 2);
        var load = Fakes.Couriers(LoadFirst, quick ? 1000 : 2000, Fakes.Seed + 3);
        var history = Fakes.Couriers(HistoryFirst, 100, Fakes.Seed + 5);
        var pool = 1_000_000;
        var ctx = new BenchContext(quick ? Sizes.Quick : Sizes.Full, api, db, apiPid);
        md.AppendLine(CultureInfo.InvariantCulture, $"## {label}");
        md.AppendLine();
        if (options.Get("keep-data") is null)
        {
            await ProfileImportAsync(ctx, md, pgPid);
            Ui.Section("profile: loading data");
            await db.TruncateAllAsync();
            await db.CopyOrdersAsync(ctx.Pool);
            await ctx.CreateCouriersAsync(seq);
            await ctx.CreateCouriersAsync(warm);
            await ctx.CreateCouriersAsync(load);
            await ctx.CreateCouriersAsync(history);
            await History.WriteAsync(db, history, 1000, 10, 10_000_001, Fakes.Seed + 7);
            await db.VacuumAsync();
        }

        await db.ExecuteAsync("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        await db.ResetDeliveriesAsync(pool);
        md.AppendLine(CultureInfo.InvariantCulture, $"{DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC; pool {pool:N0} pending orders in 1,000 regions; load average {CpuWatch.LoadAverage()}; synchronous_commit={await db.ScalarAsync<string>("SHOW synchronous_commit")}");
        md.AppendLine();

        // ---- assign, one client ----
        Ui.Section("profile: assign, sequential, 1M pool");
        // Warm-up: assigns and completes of 200 other couriers for 20 s (8 s with --quick), so the API's hot paths are
        // compiled (tiered JIT) before anything is measured.
        await Scenarios.AssignSequentialScenario.WarmUpAsync(ctx, warm);

        await db.ResetDeliveriesAsync(pool);
        var measured = seq;
        await ResetStatementsAsync(db);
        var walBefore = await WalAsync(db);
        var checkpointsBefore = await db.ScalarAsync<long>("SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter");
        var autovacuumBefore = await db.ScalarAsync<long>("SELECT autovacuum_count + autoanalyze_count FROM pg_stat_user_tables WHERE relname = 'orders'");
        var cpu = new CpuWatch(apiPid, pgPid);
        var apiLatency = new Latencies();
        foreach (var c in measured)
        {
            var t0 = Stopwatch.GetTimestamp();
            await api.AssignAsync(c.Id);
            apiLatency.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }

        var apiCores = cpu.Cores();
        var statements = await StatementsAsync(db);
        var assignWal = WalPer(walBefore, await WalAsync(db), measured.Length);
        var checkpoints = await db.ScalarAsync<long>("SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter") - checkpointsBefore;
        var autovacuums = await db.ScalarAsync<long>("SELECT autovacuum_count + autoanalyze_count FROM pg_stat_user_tables WHERE relname = 'orders'") - autovacuumBefore;
        var bundleSize = await db.ScalarAsync<double>(
            "SELECT coalesce(avg(n), 0) FROM (SELECT count(*) AS n FROM orders o JOIN bundles b USING (bundle_id) WHERE b.finished_at IS NULL GROUP BY bundle_id) x");
        var explainIds = await db.LinesAsync("SELECT order_id FROM orders WHERE bundle_id IS NULL AND region = 500 ORDER BY weight_cg LIMIT 40");
        var apiCpuMs = CpuMsPerRequest(apiCores, apiLatency, measured.Length);
        await db.ResetDeliveriesAsync(pool);

        var sqlLatency = new Latencies();
        cpu.Restart();
        foreach (var c in measured)
        {
            var t0 = Stopwatch.GetTimestamp();
            _ = await db.AssignViaSqlAsync(c.Id, default);
            sqlLatency.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }

        var sqlCores = cpu.Cores();
        await db.ResetDeliveriesAsync(pool);

        var readLatency = new Latencies();
        await using (var connection = await db.Source.OpenConnectionAsync())
        {
            foreach (var c in measured)
            {
                var t0 = Stopwatch.GetTimestamp();
                await Db.ReadCandidatesAsync(connection, c.Regions, c.Type.Capacity(), Fakes.Multirange(c.Hours), default);
                readLatency.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
        }

        md.AppendLine("### POST /orders/assign, one client, 1M pool");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"{measured.Length} couriers (after {ctx.Sizes.AssignWarmup.TotalSeconds:0} s of warm-up assigns of other couriers), each path from the same pool.");
        md.AppendLine();
        md.AppendLine("| path | p50 ms | p90 ms | p99 ms | max ms | mean ms |");
        md.AppendLine("|---|---|---|---|---|---|");
        md.AppendLine(Row("HTTP POST /orders/assign", apiLatency));
        md.AppendLine(Row("same transaction, DeliveryService.AssignAsync in process (no HTTP)", sqlLatency));
        md.AppendLine(Row("candidate read alone via Npgsql", readLatency));
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"CPU while the HTTP path ran (cores): {Cores(apiCores)}; API CPU per request ≈ {apiCpuMs:0.00} ms.");
        md.AppendLine(CultureInfo.InvariantCulture, $"CPU while the Npgsql path ran (cores): {Cores(sqlCores)}.");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Orders per bundle: {bundleSize:0.0}. {assignWal} (COMMIT waits for this WAL to reach disk; its time is not in pg_stat_statements). Checkpoints during the HTTP path: {checkpoints}; autovacuum/autoanalyze runs on orders: {autovacuums}.");
        md.AppendLine();
        AppendStatements(md, statements, measured.Length, apiLatency.Mean);
        await ExplainWriteAsync(db, md, "The claim-and-create statement of the assign (DeliveryService.TryCreateBundleAsync) for 40 pending orders of one region, rolled back:",
            """
            WITH bundle AS (
                INSERT INTO bundles (courier_id, courier_type, coefficient, assign_time)
                VALUES ($2, 'car', 9, now())
                RETURNING bundle_id
            ), assigned AS (
                UPDATE orders o SET bundle_id = bundle.bundle_id
                FROM bundle WHERE o.order_id = ANY($1) AND o.bundle_id IS NULL
                RETURNING o.order_id
            )
            SELECT array(SELECT order_id FROM assigned)
            """,
            new NpgsqlParameter<long[]> { TypedValue = explainIds.Select(x => long.Parse(x, CultureInfo.InvariantCulture)).ToArray() },
            new NpgsqlParameter<long> { TypedValue = measured[0].Id });
        md.AppendLine();

        // ---- EXPLAIN of the candidate query ----
        Ui.Section("profile: EXPLAIN ANALYZE of the candidate query at 1M");
        md.AppendLine("### EXPLAIN (ANALYZE, BUFFERS) of the candidate query, 1M pool");
        await ExplainCandidatesAsync();

        // The same reads again after the 32-client assigns below: their claims clear the visibility-map bits of
        // the heap pages they update, and the index-only scan then visits the heap (compare "Heap Fetches").
        async Task ExplainCandidatesAsync()
        {
            foreach (var type in new[] { CourierType.Foot, CourierType.Car })
            {
                var c = measured.First(x => x.Type == type);
                var capacity = type.Capacity();
                var limit = AssignmentEngine.FirstReadPerRegion(capacity);
                md.AppendLine();
                md.AppendLine(CultureInfo.InvariantCulture, $"{type.ToContractName()} courier {c.Id}, regions {string.Join(",", c.Regions)}, hours {string.Join(",", c.Hours)}, LIMIT {limit} (first round):");
                md.AppendLine();
                md.AppendLine("```");
                await using var command = db.Source.CreateCommand("EXPLAIN (ANALYZE, BUFFERS) " + Db.CandidateSql);
                command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = c.Regions });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = capacity.HundredthsOfKg });
                command.Parameters.Add(new NpgsqlParameter<NpgsqlRange<int>[]> { TypedValue = Fakes.Multirange(c.Hours), NpgsqlDbType = NpgsqlDbType.IntegerMultirange });
                command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = limit });
                command.Parameters.Add(new NpgsqlParameter<int[]> { TypedValue = new int[c.Regions.Length] }); // each region from the start
                await using var reader = await command.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                    md.AppendLine(reader.GetString(0));
                }

                md.AppendLine("```");
            }

            md.AppendLine();
        }

        // ---- assign, 32 clients, then complete ----
        Ui.Section("profile: assign and complete, 32 clients");
        var answers = new ConcurrentBag<AssignAnswer>();
        await ResetStatementsAsync(db);
        cpu.Restart();
        var assign = await Runner.EachAsync(load, 32, async c => answers.Add(await api.AssignAsync(c.Id)));
        var assignCores = cpu.Cores();
        var assignStatements = await StatementsAsync(db);
        md.AppendLine(CultureInfo.InvariantCulture, $"### POST /orders/assign, 32 clients: {load.Length / assign.Wall.TotalSeconds:N0} assigns/s, p50 {assign.Latencies.P50:0.0} ms, p99 {assign.Latencies.P99:0.0} ms");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"CPU (cores): {Cores(assignCores)}; API CPU per request ≈ {CpuMsPerRequest(assignCores, assign.Latencies, load.Length, assign.Wall):0.00} ms, PostgreSQL CPU per request ≈ {PgCpuMsPerRequest(assignCores, load.Length, assign.Wall):0.00} ms.");
        md.AppendLine();
        AppendStatements(md, assignStatements, load.Length, null);
        md.AppendLine("#### The candidate reads of the EXPLAIN above, again right after these assigns (no VACUUM between)");
        await ExplainCandidatesAsync();

        var work = answers.Where(a => a.OrderIds.Length > 0).Select(a => (a.CourierId, a.OrderIds, Start: DateTimeOffset.Parse(a.AssignTime!, CultureInfo.InvariantCulture))).ToList();
        var serial = work.Take(50).ToList();
        var parallel = work.Skip(50).ToList();
        var serialLatency = new Latencies();
        foreach (var (courier, orderIds, start) in serial)
        {
            var at = start;
            foreach (var id in orderIds)
            {
                at = at.AddMinutes(5);
                var t0 = Stopwatch.GetTimestamp();
                await api.CompleteAsync(courier, id, Iso(at));
                serialLatency.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
        }

        // Two halves: the first right after the assigns (statistics of `bundles` as left by the last ANALYZE, when few
        // bundles were open), the second after ANALYZE bundles, to show what stale statistics cost the finish statement.
        var half = parallel.Count / 2;
        foreach (var (phase, part) in new[] { ("statistics as they are", parallel.Take(half).ToList()), ("after ANALYZE bundles", parallel.Skip(half).ToList()) })
        {
            if (phase.StartsWith("after", StringComparison.Ordinal))
            {
                await db.ExecuteAsync("ANALYZE bundles");
            }

            await ExplainWriteAsync(db, md, $"The bundle-finishing statement that every complete runs (Bundles.FinishSql), {phase}, on open bundle of courier {part[0].CourierId} (rolled back):",
                FinishSql,
                new NpgsqlParameter<long> { TypedValue = await db.ScalarAsync<long>($"SELECT bundle_id FROM bundles WHERE courier_id = {part[0].CourierId} AND finished_at IS NULL") },
                new NpgsqlParameter<DateTime> { TypedValue = DateTime.UtcNow, NpgsqlDbType = NpgsqlDbType.TimestampTz });
            md.AppendLine();
            await ResetStatementsAsync(db);
            var completeWalBefore = await WalAsync(db);
            var openBundles = await db.ScalarAsync<long>("SELECT count(*) FROM bundles WHERE finished_at IS NULL");
            cpu.Restart();
            var completeLatency = new ConcurrentBag<double>();
            var total = part.Sum(p => p.OrderIds.Length);
            var complete = await Runner.EachAsync(part, 32, async w =>
            {
                var at = w.Start;
                foreach (var id in w.OrderIds)
                {
                    at = at.AddMinutes(5);
                    var t0 = Stopwatch.GetTimestamp();
                    await api.CompleteAsync(w.CourierId, id, Iso(at));
                    completeLatency.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                }
            });
            var completeCores = cpu.Cores();
            var completeStatements = await StatementsAsync(db);
            var completeWal = WalPer(completeWalBefore, await WalAsync(db), total);
            var cl = new Latencies();
            cl.AddRange(completeLatency);
            md.AppendLine(CultureInfo.InvariantCulture, $"### POST /orders/complete, {phase}: 32 clients {total / complete.Wall.TotalSeconds:N0} completes/s, p50 {cl.P50:0.0} ms, p99 {cl.P99:0.0} ms ({total:N0} completes, {openBundles:N0} open bundles at the start); 1 client before: p50 {serialLatency.P50:0.00} ms, p99 {serialLatency.P99:0.00} ms");
            md.AppendLine();
            md.AppendLine(CultureInfo.InvariantCulture, $"CPU with 32 clients (cores): {Cores(completeCores)}; API CPU per request ≈ {CpuMsPerRequest(completeCores, cl, total, complete.Wall):0.00} ms, PostgreSQL CPU per request ≈ {PgCpuMsPerRequest(completeCores, total, complete.Wall):0.00} ms.");
            md.AppendLine();
            md.AppendLine(completeWal + ".");
            md.AppendLine();
            AppendStatements(md, completeStatements, total, null);
        }

        await db.ResetDeliveriesAsync(pool);

        // ---- get courier ----
        Ui.Section("profile: get courier");
        var ids = history.Select(h => h.Id).ToArray();
        var one = new Latencies();
        var oneSql = new Latencies();
        for (var i = 0; i < 500; i++)
        {
            var t0 = Stopwatch.GetTimestamp();
            await api.GetAsync($"/couriers/{ids[i % ids.Length]}");
            one.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            t0 = Stopwatch.GetTimestamp();
            await db.GetCourierAsync(ids[i % ids.Length], default);
            oneSql.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }

        var duration = TimeSpan.FromSeconds(quick ? 4 : 8);
        await ResetStatementsAsync(db);
        cpu.Restart();
        var get = await Runner.ForAsync(32, TimeSpan.FromSeconds(1), duration, (w, i) => api.GetAsync($"/couriers/{ids[(int)((w * 7919L + i * 31) % ids.Length)]}"));
        var getCores = cpu.Cores();
        var getStatements = await StatementsAsync(db);
        cpu.Restart();
        var getSql = await Runner.ForAsync(32, TimeSpan.FromSeconds(1), duration, (w, i) => db.GetCourierAsync(ids[(int)((w * 7919L + i * 31) % ids.Length)], default));
        var getSqlCores = cpu.Cores();
        // Db's source prepares statements as the API's does; the same SQL unprepared needs 32 more connections, so
        // the idle ones of the main source go first (the API's pools and this tool's would pass max_connections=100).
        db.Source.Clear();
        await using var unprepared = new Db(db.ConnectionString + ";Max Auto Prepare=0");
        cpu.Restart();
        var getUnprepared = await Runner.ForAsync(32, TimeSpan.FromSeconds(1), duration, (w, i) => unprepared.GetCourierAsync(ids[(int)((w * 7919L + i * 31) % ids.Length)], default));
        var getUnpreparedCores = cpu.Cores();
        cpu.Restart();
        var floor = await Runner.ForAsync(32, TimeSpan.FromSeconds(1), duration, (_, _) => api.GetAsync("/health/live"));
        var floorCores = cpu.Cores();
        cpu.Restart();
        var notFound = await Runner.ForAsync(32, TimeSpan.FromSeconds(1), duration, (_, _) => api.GetAsync("/couriers/999999999"));
        var notFoundCores = cpu.Cores();

        var roundTrip = new Latencies();
        await using (var connection = await db.Source.OpenConnectionAsync())
        {
            for (var i = 0; i < 1000; i++)
            {
                await using var ping = new NpgsqlCommand("SELECT 1", connection);
                var t0 = Stopwatch.GetTimestamp();
                await ping.ExecuteScalarAsync();
                roundTrip.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            }
        }

        md.AppendLine("### GET /couriers/{id}");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"One round trip to PostgreSQL (`SELECT 1` on an open connection, 1,000 times): p50 {roundTrip.P50:0.000} ms, p99 {roundTrip.P99:0.000} ms.");
        md.AppendLine();
        md.AppendLine("| path | clients | per s | p50 ms | p99 ms | CPU (cores) |");
        md.AppendLine("|---|---|---|---|---|---|");
        md.AppendLine(CultureInfo.InvariantCulture, $"| GET /couriers/{{id}} | 1 | — | {one.P50:0.00} | {one.P99:0.00} | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| its SQL via Npgsql | 1 | — | {oneSql.P50:0.00} | {oneSql.P99:0.00} | |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| GET /couriers/{{id}}{Failures(get.Errors, get.FirstError)} | 32 | {get.PerSecond:N0} | {get.Latencies.P50:0.00} | {get.Latencies.P99:0.00} | {Cores(getCores)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| its SQL via Npgsql (prepared, as the API's){Failures(getSql.Errors, getSql.FirstError)} | 32 | {getSql.PerSecond:N0} | {getSql.Latencies.P50:0.00} | {getSql.Latencies.P99:0.00} | {Cores(getSqlCores)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| its SQL via Npgsql, not prepared (Max Auto Prepare=0){Failures(getUnprepared.Errors, getUnprepared.FirstError)} | 32 | {getUnprepared.PerSecond:N0} | {getUnprepared.Latencies.P50:0.00} | {getUnprepared.Latencies.P99:0.00} | {Cores(getUnpreparedCores)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| GET /couriers/999999999 (404, one SQL query){Failures(notFound.Errors, notFound.FirstError)} | 32 | {notFound.PerSecond:N0} | {notFound.Latencies.P50:0.00} | {notFound.Latencies.P99:0.00} | {Cores(notFoundCores)} |");
        md.AppendLine(CultureInfo.InvariantCulture, $"| GET /health/live (no SQL){Failures(floor.Errors, floor.FirstError)} | 32 | {floor.PerSecond:N0} | {floor.Latencies.P50:0.00} | {floor.Latencies.P99:0.00} | {Cores(floorCores)} |");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"API CPU per GET ≈ {CpuMsPerRequest(getCores, get.Latencies, get.Operations, duration):0.00} ms; per /health/live ≈ {CpuMsPerRequest(floorCores, floor.Latencies, floor.Operations, duration):0.00} ms.");
        md.AppendLine();
        AppendStatements(md, getStatements, get.Operations, null);

        File.AppendAllText(output, md.ToString());
        Ui.Info($"appended to {output}");
        return 0;
    }

    /// <summary>
    /// POST /orders of 100,000 orders against: the same body refused after full parsing (its first order repeated second, so the COPY stops at once),
    /// the API's COPY into `orders`, and COPY into copies of `orders` without the pool index and without any index.
    /// </summary>
    private static async Task ProfileImportAsync(BenchContext ctx, StringBuilder md, int? pgPid)
    {
        Ui.Section("profile: import of 100,000 orders");
        var db = ctx.Db;
        var rows = ctx.Pool.AsSpan(0, 100_000).ToArray();
        var body = Fakes.OrdersJson(rows);
        var invalid = Fakes.OrdersJson(rows.Take(1).Concat(rows));
        await db.TruncateAllAsync();
        await ctx.Api.PostAsync("/orders", Fakes.OrdersJson(rows.Take(10_000)), HttpStatusCode.Created);
        await db.ExecuteAsync("TRUNCATE orders");
        var cpu = new CpuWatch(ctx.ApiPid, pgPid);
        var api = new List<double>();
        var parse = new List<double>();
        var copy = new List<double>();
        for (var run = 0; run < 3; run++)
        {
            var t0 = Stopwatch.GetTimestamp();
            await ctx.Api.PostAsync("/orders", body, HttpStatusCode.Created);
            api.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
            await db.ExecuteAsync("TRUNCATE orders");
            copy.Add((await db.CopyOrdersAsync(rows)).TotalMilliseconds);
            await db.ExecuteAsync("TRUNCATE orders");
            t0 = Stopwatch.GetTimestamp();
            await ctx.Api.PostAsync("/orders", invalid, HttpStatusCode.BadRequest);
            parse.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
        }

        // What the API does per order before COPY besides parsing (OrderService.CopyAsync): the delivery hours as strings
        // and as minute segments. Replicated here with the Domain's own types, 100,000 orders, best of 3.
        var schedules = rows.Select(r => Schedule.Parse(r.Hours)).ToArray();
        var build = double.MaxValue;
        for (var run = 0; run < 3; run++)
        {
            var t0 = Stopwatch.GetTimestamp();
            long sink = 0;
            foreach (var schedule in schedules)
            {
                sink += schedule.ToStrings().Length;
                sink += schedule.Segments().Select(x => new NpgsqlRange<int>(x.Start, true, x.End, false)).ToArray().Length;
            }

            build = Math.Min(build, Stopwatch.GetElapsedTime(t0).TotalMilliseconds + (sink < 0 ? 1 : 0));
        }

        var variants = new List<(string Name, double Ms)>();
        await db.ExecuteAsync(
            """
            DROP TABLE IF EXISTS bench_copy_no_pool, bench_copy_bare, bench_copy_narrow;
            CREATE TABLE bench_copy_no_pool (LIKE orders INCLUDING ALL);
            CREATE TABLE bench_copy_narrow (LIKE orders INCLUDING ALL);
            CREATE TABLE bench_copy_bare (LIKE orders INCLUDING DEFAULTS INCLUDING IDENTITY);
            """);
        foreach (var table in new[] { "bench_copy_no_pool", "bench_copy_narrow" })
        {
            var poolIndex = (await db.LinesAsync($"SELECT indexname FROM pg_indexes WHERE tablename = '{table}' AND indexdef LIKE '%weight_cg%'")).Single();
            await db.ExecuteAsync($"DROP INDEX {poolIndex}");
        }

        await db.ExecuteAsync("CREATE INDEX ON bench_copy_narrow (region, weight_cg, seq) WHERE bundle_id IS NULL");

        // The same rows in pool-index order (region, weight): the index then grows in key order. (seq, the age, follows
        // the COPY order; an import that sorts would have to assign seq itself to keep request order.)
        var sorted = rows.OrderBy(r => r.Region).ThenBy(r => r.WeightHundredthsOfKg).ToArray();
        foreach (var (name, table, data) in new[]
        {
            ("the same rows sorted by (region, weight), COPY into orders", "orders", sorted),
            ("COPY into a copy of orders whose pool index has no INCLUDE (order_id, delivery)", "bench_copy_narrow", rows),
            ("COPY into a copy of orders without ix_orders_pool (pk only)", "bench_copy_no_pool", rows),
            ("COPY into a copy of orders without any index or constraint", "bench_copy_bare", rows),
        })
        {
            var times = new List<double>();
            for (var run = 0; run < 3; run++)
            {
                await db.ExecuteAsync($"TRUNCATE {table}");
                times.Add((await db.CopyOrdersAsync(data, default, table)).TotalMilliseconds);
            }

            variants.Add((name, Latencies.Median(times)));
        }

        await db.ExecuteAsync("DROP TABLE bench_copy_no_pool, bench_copy_bare, bench_copy_narrow");
        var shares = cpu.Shares();
        md.AppendLine(CultureInfo.InvariantCulture, $"### POST /orders, 100,000 orders ({body.Length / 1024.0 / 1024.0:0.0} MiB), medians of 3 into an empty table");
        md.AppendLine();
        md.AppendLine(CultureInfo.InvariantCulture, $"Machine during this section: busy {shares.Busy:P0}, other processes (not the API, this tool or this PostgreSQL) {shares.Others:P0}.");
        md.AppendLine();
        md.AppendLine("| path | ms | orders/s |");
        md.AppendLine("|---|---|---|");
        void Add(string name, double ms) => md.AppendLine(CultureInfo.InvariantCulture, $"| {name} | {ms:0} | {100_000 / ms * 1000:N0} |");
        Add("POST /orders (upload, parse, validate, COPY, commit, answer)", Latencies.Median(api));
        Add("same body with its first order repeated second: upload, parse, validate, 400 (COPY stopped at once)", Latencies.Median(parse));
        Add("binary COPY of the same rows into orders via Npgsql (the baseline)", Latencies.Median(copy));
        Add("the API's per-order COPY preparation (Schedule.ToStrings + minute segments), replicated in process, no I/O", build);
        foreach (var (name, ms) in variants)
        {
            Add(name, ms);
        }

        md.AppendLine();
        await db.TruncateAllAsync();
    }

    private static string Iso(DateTimeOffset t) => t.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    private static string Row(string name, Latencies l) =>
        string.Create(CultureInfo.InvariantCulture, $"| {name} | {l.P50:0.00} | {l.Percentile(90):0.00} | {l.P99:0.00} | {l.Max:0.00} | {l.Mean:0.00} |");

    private static string Cores(Dictionary<string, object?> cores) =>
        string.Join(", ", cores.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value:0.00}")));

    /// <summary>Nothing, or how many calls of a row failed and the first error (such a row's rate is not the path's).</summary>
    private static string Failures(int errors, string? first) =>
        errors == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $" — **{errors:N0} calls failed**, first: {first}");

    /// <summary>API CPU milliseconds per request: cores × wall time ÷ requests (wall = sum of latencies when sequential).</summary>
    private static double CpuMsPerRequest(Dictionary<string, object?> cores, Latencies latencies, long requests, TimeSpan? wall = null)
    {
        var seconds = wall?.TotalSeconds ?? latencies.Mean * latencies.Count / 1000.0;
        return (double)cores["api"]! * seconds * 1000.0 / Math.Max(1, requests);
    }

    private static double PgCpuMsPerRequest(Dictionary<string, object?> cores, long requests, TimeSpan wall) =>
        (double)cores["postgres"]! * wall.TotalSeconds * 1000.0 / Math.Max(1, requests);

    private static Task ResetStatementsAsync(Db db) => db.ExecuteAsync("SELECT pg_stat_statements_reset()");

    private static async Task<(long Records, long Fpi, long Bytes)> WalAsync(Db db)
    {
        await using var command = db.Source.CreateCommand("SELECT wal_records, wal_fpi, wal_bytes::bigint FROM pg_stat_wal");
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    private static string WalPer((long Records, long Fpi, long Bytes) before, (long Records, long Fpi, long Bytes) after, long requests) =>
        string.Create(CultureInfo.InvariantCulture,
            $"WAL per request: {(double)(after.Records - before.Records) / requests:0.0} records, {(double)(after.Fpi - before.Fpi) / requests:0.0} full-page images, {(after.Bytes - before.Bytes) / 1024.0 / requests:0.0} kB");

    /// <summary>EXPLAIN (ANALYZE, BUFFERS, WAL) of a writing statement inside a transaction that is rolled back.</summary>
    private static async Task ExplainWriteAsync(Db db, StringBuilder md, string title, string sql, params NpgsqlParameter[] parameters)
    {
        md.AppendLine();
        md.AppendLine(title);
        md.AppendLine();
        md.AppendLine("```");
        await using var connection = await db.Source.OpenConnectionAsync();
        await using var tx = await connection.BeginTransactionAsync();
        await using var command = new NpgsqlCommand("EXPLAIN (ANALYZE, BUFFERS, WAL) " + sql, connection, tx);
        command.Parameters.AddRange(parameters);
        await using (var reader = await command.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync())
            {
                md.AppendLine(reader.GetString(0));
            }
        }

        await tx.RollbackAsync();
        md.AppendLine("```");
    }

    private sealed record Statement(string Query, long Calls, double TotalMs, double MeanMs, long Rows, long SharedHit, long SharedRead, double MaxMs, double StddevMs);

    private static async Task<List<Statement>> StatementsAsync(Db db)
    {
        await using var command = db.Source.CreateCommand(
            """
            SELECT query, calls, total_exec_time, mean_exec_time, rows, shared_blks_hit, shared_blks_read, max_exec_time, stddev_exec_time
            FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
              AND query NOT LIKE '%pg_stat_statements%'
            ORDER BY total_exec_time DESC
            """);
        await using var reader = await command.ExecuteReaderAsync();
        var list = new List<Statement>();
        while (await reader.ReadAsync())
        {
            list.Add(new Statement(reader.GetString(0), reader.GetInt64(1), reader.GetDouble(2), reader.GetDouble(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6), reader.GetDouble(7), reader.GetDouble(8)));
        }

        return list;
    }

    private static void AppendStatements(StringBuilder md, List<Statement> statements, long requests, double? clientMeanMs)
    {
        var calls = statements.Sum(s => s.Calls);
        var totalMs = statements.Sum(s => s.TotalMs);
        var outside = clientMeanMs is { } mean
            ? string.Create(CultureInfo.InvariantCulture, $" (client mean {mean:0.000} ms: {mean - (totalMs / requests):0.000} ms per request outside statement execution)")
            : "";
        md.AppendLine(string.Create(CultureInfo.InvariantCulture,
            $"pg_stat_statements: {(double)calls / requests:0.00} statements per request, {totalMs / requests:0.000} ms of server execution per request{outside}."));
        md.AppendLine();
        md.AppendLine("| calls/request | mean ms | stddev ms | max ms | total ms | rows/call | shared hit/call | shared read/call | statement |");
        md.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (var s in statements.Take(12))
        {
            var text = System.Text.RegularExpressions.Regex.Replace(s.Query, @"\s+", " ");
            text = text.Length > 140 ? text[..140] + "…" : text;
            md.AppendLine(CultureInfo.InvariantCulture,
                $"| {(double)s.Calls / requests:0.00} | {s.MeanMs:0.000} | {s.StddevMs:0.000} | {s.MaxMs:0.00} | {s.TotalMs:0.0} | {(double)s.Rows / Math.Max(1, s.Calls):0.0} | {(double)s.SharedHit / Math.Max(1, s.Calls):0.0} | {(double)s.SharedRead / Math.Max(1, s.Calls):0.0} | `{text.Replace("|", "\\|", StringComparison.Ordinal)}` |");
        }

        md.AppendLine();
    }
}
