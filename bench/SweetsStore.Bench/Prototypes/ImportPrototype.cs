using System.Diagnostics;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using SweetsStore.Bench.Data;
using SweetsStore.Bench.Load;

namespace SweetsStore.Bench.Prototypes;

/// <summary>
/// An import's database work: binary COPY of the same 100,000 orders into each design's tables, in request order or in
/// pool-index order, into tables holding the 1M pool and into empty ones (TRUNCATE in the same transaction); each
/// attempt is rolled back and the tables vacuumed (not timed). Variants alternate within each round. Measured: the COPYs'
/// wall time, the backend's CPU (/proc/PID/stat of pg_backend_pid()) and all of PostgreSQL's CPU.
/// </summary>
internal static class ImportPrototype
{
    public const int Rows = 100_000;
    private const long SeqBase = 10_000_000;

    /// <summary>Sorted: rows in pool-index order, within chunks of <paramref name="Chunk"/> rows of the request when given (an import sorting batch by batch).</summary>
    private sealed record Copy(string Table, string[] Columns, bool Sorted, int? Chunk = null);

    private sealed record Variant(string Name, string Schema, string What, Copy[] Copies, string Truncate, string? Setup = null);

    public sealed record Measured(string Variant, string Target, int Round, double WallMs, double BackendCpuMs, double PgCpuMs);

    private static readonly string[] OrderColumns = ["order_id", "weight_cg", "region", "delivery_hours", "delivery"];
    private static readonly string[] OrderColumnsWithSeq = ["order_id", "seq", "weight_cg", "region", "delivery_hours", "delivery"];
    private static readonly string[] PoolColumns = ["order_id", "region", "weight_cg", "seq", "delivery"];
    private static readonly string[] KeyedPoolColumns = ["region", "weight_cg", "seq", "order_id", "delivery"];

    private static readonly Variant[] Variants =
    [
        new("a_request", "a", "today: orders in request order, seq by the identity (the bench's COPY baseline)", [new("orders", OrderColumns, false)], "orders"),
        new("a_sorted", "a", "today's table, rows in pool-index order, seq given in import order", [new("orders", OrderColumnsWithSeq, true)], "orders"),
        new("b2_orders_only", "b2", "narrow-pool design: the orders table alone, request order (half of an import)", [new("orders", OrderColumnsWithSeq, false)], "orders, pool, assignments"),
        new("b2_request", "b2", "narrow-pool design: orders + pool, both in request order", [new("orders", OrderColumnsWithSeq, false), new("pool", PoolColumns, false)], "orders, pool, assignments"),
        new("b2_sorted", "b2", "narrow-pool design: orders in request order + pool in pool-index order", [new("orders", OrderColumnsWithSeq, false), new("pool", PoolColumns, true)], "orders, pool, assignments"),
        new("b2_sorted_fk", "b2", "b2_sorted with a foreign key from pool to orders (checked for every pool row)", [new("orders", OrderColumnsWithSeq, false), new("pool", PoolColumns, true)], "orders, pool, assignments",
            "ALTER TABLE pool ADD CONSTRAINT proto_pool_orders FOREIGN KEY (order_id) REFERENCES orders NOT VALID"),
        new("b3_request", "b3", "b3 (pool keyed by the walk, one index): orders + pool, both in request order", [new("orders", OrderColumnsWithSeq, false), new("pool", KeyedPoolColumns, false)], "orders, pool, assignments"),
        new("b3_sorted", "b3", "b3: orders in request order + pool in pool-index order", [new("orders", OrderColumnsWithSeq, false), new("pool", KeyedPoolColumns, true)], "orders, pool, assignments"),
        new("b3_sorted_25k", "b3", "b3: orders + pool, batch by batch (25,000): each batch's pool rows sorted", [new("orders", OrderColumnsWithSeq, false, 25_000), new("pool", KeyedPoolColumns, true, 25_000)], "orders, pool, assignments"),
        new("b3_sorted_10k", "b3", "b3: the same with batches of 10,000", [new("orders", OrderColumnsWithSeq, false, 10_000), new("pool", KeyedPoolColumns, true, 10_000)], "orders, pool, assignments"),
    ];

    public static async Task<List<Measured>> RunAsync(Db db, int postmaster, int rounds)
    {
        var request = Fakes.Orders(PrototypeData.PoolSize + 1, Rows, Fakes.Seed + 11);
        var seqOf = request.Select((o, i) => (o.Id, Seq: SeqBase + i)).ToDictionary(x => x.Id, x => x.Seq);
        var sorted = request.OrderBy(o => o.Region).ThenBy(o => o.WeightHundredthsOfKg).ThenBy(o => seqOf[o.Id]).ToArray();
        var schemas = await db.LinesAsync("SELECT nspname FROM pg_namespace");
        var variants = Variants.Where(v => schemas.Contains(v.Schema)).ToList();
        var results = new List<Measured>();
        for (var round = 1; round <= rounds; round++)
        {
            var order = round % 2 == 1 ? variants : Enumerable.Reverse(variants).ToList();
            foreach (var target in new[] { "into 1M", "into empty" })
            {
                foreach (var v in order)
                {
                    var m = await MeasureAsync(db, postmaster, v, target, round, request, sorted, seqOf);
                    results.Add(m);
                    Ui.Info($"import round {round} {target,-10} {v.Name,-15} COPY {m.WallMs:0} ms, backend CPU {m.BackendCpuMs:0} ms, PostgreSQL CPU {m.PgCpuMs:0} ms");
                }
            }
        }

        return results;
    }

    private static async Task<Measured> MeasureAsync(
        Db db, int postmaster, Variant v, string target, int round, OrderRow[] request, OrderRow[] sorted, Dictionary<long, long> seqOf)
    {
        await using (var connection = await db.Source.OpenConnectionAsync())
        {
            await Execute(connection, $"SET search_path = {v.Schema}, public");
            var backend = (int)(await Scalar(connection, "SELECT pg_backend_pid()"))!;
            await Execute(connection, "BEGIN");
            if (target == "into empty")
            {
                await Execute(connection, $"TRUNCATE {v.Truncate}");
            }

            if (v.Setup is not null)
            {
                await Execute(connection, v.Setup); // rolled back with the rows
            }

            // Batch by batch (one batch of all rows unless the variant says otherwise): its orders, then its pool rows.
            // The batches and their sorted copies are made before the clock starts (the API's sort is its own CPU).
            var chunk = v.Copies.Max(c => c.Chunk) ?? Rows;
            var batches = request.Chunk(chunk).Select(b => (Request: b, Sorted: chunk == Rows
                ? sorted
                : b.OrderBy(o => o.Region).ThenBy(o => o.WeightHundredthsOfKg).ThenBy(o => seqOf[o.Id]).ToArray())).ToList();
            var cpu0 = CpuWatch.Times(backend, children: false);
            var pg0 = CpuWatch.PostgresTicks(postmaster);
            var started = Stopwatch.GetTimestamp();
            foreach (var (batch, batchSorted) in batches)
            {
                foreach (var copy in v.Copies)
                {
                    await CopyAsync(connection, copy, copy.Sorted ? batchSorted : batch, seqOf);
                }
            }

            var wall = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            var cpu = (CpuWatch.Times(backend, children: false) - cpu0) * 10.0;
            var pg = (CpuWatch.PostgresTicks(postmaster) - pg0) * 10.0;
            await Execute(connection, "ROLLBACK");
            await Execute(connection, "RESET search_path");
            foreach (var table in v.Truncate.Split(", "))
            {
                await Execute(connection, $"VACUUM {v.Schema}.{table}");
            }

            return new Measured(v.Name, target, round, wall, cpu, pg);
        }
    }

    private static async Task CopyAsync(NpgsqlConnection connection, Copy copy, OrderRow[] rows, Dictionary<long, long> seqOf)
    {
        await using var importer = await connection.BeginBinaryImportAsync($"COPY {copy.Table} ({string.Join(", ", copy.Columns)}) FROM STDIN (FORMAT BINARY)");
        foreach (var row in rows)
        {
            await importer.StartRowAsync();
            foreach (var column in copy.Columns)
            {
                switch (column)
                {
                    case "order_id": await importer.WriteAsync(row.Id, NpgsqlDbType.Bigint); break;
                    case "seq": await importer.WriteAsync(seqOf[row.Id], NpgsqlDbType.Bigint); break;
                    case "weight_cg": await importer.WriteAsync(row.WeightHundredthsOfKg, NpgsqlDbType.Integer); break;
                    case "region": await importer.WriteAsync(row.Region, NpgsqlDbType.Integer); break;
                    case "delivery_hours": await importer.WriteAsync(row.Hours, NpgsqlDbType.Array | NpgsqlDbType.Text); break;
                    case "delivery": await importer.WriteAsync(row.Delivery, NpgsqlDbType.IntegerMultirange); break;
                    default: throw new InvalidOperationException(column);
                }
            }
        }

        await importer.CompleteAsync();
    }

    private static async Task Execute(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection) { CommandTimeout = 0 };
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<object?> Scalar(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    public static string Markdown(List<Measured> runs)
    {
        var md = new StringBuilder();
        md.AppendLine($"{Rows:N0} orders per COPY; median (min–max) over {runs.Max(r => r.Round)} rounds; \"÷ a_request\" is each round's wall time ÷ the same round's `a_request` (lower is better).");
        md.AppendLine();
        foreach (var target in new[] { "into 1M", "into empty" })
        {
            md.AppendLine($"**{target}**");
            md.AppendLine();
            md.Append(Stats.Table(
                ["variant", "what is copied", "wall ms", "÷ a_request", "backend CPU ms", "PostgreSQL CPU ms"],
                Variants.Where(v => runs.Any(r => r.Variant == v.Name)).Select(v =>
                {
                    var mine = runs.Where(r => r.Variant == v.Name && r.Target == target).ToList();
                    var ratio = mine.Select(r => r.WallMs / runs.Single(b => b.Variant == "a_request" && b.Target == target && b.Round == r.Round).WallMs);
                    return (IReadOnlyList<string>)[
                        $"`{v.Name}`", v.What, Stats.Spread(mine.Select(r => r.WallMs), "0"), Stats.Spread(ratio, "0.00"),
                        Stats.Spread(mine.Select(r => r.BackendCpuMs), "0"), Stats.Spread(mine.Select(r => r.PgCpuMs), "0"),
                    ];
                })));
            md.AppendLine();
        }

        return md.ToString();
    }
}
