using System.Diagnostics;
using System.Numerics;
using NodaTime;
using Npgsql;
using NpgsqlTypes;
using SweetsStore.Data;
using SweetsStore.Domain;

namespace SweetsStore.Bench.Data;

/// <summary>Direct database access: the baselines, fast data loading, resets and checks.</summary>
internal sealed class Db(string connectionString, int maxPoolSize = 64) : IAsyncDisposable
{
    public NpgsqlDataSource Source { get; } = Build(connectionString, maxPoolSize);

    /// <summary>The API's point-read source (multiplexed, Database.CreatePointReadSource), for orientation figures.</summary>
    public NpgsqlDataSource PointReads { get; } = Database.CreatePointReadSource(
        new NpgsqlConnectionStringBuilder(connectionString) { ApplicationName = "sweetsstore-bench-reads" }.ConnectionString);

    public string ConnectionString { get; } = connectionString;

    private DeliveryService? _deliveries;

    private static NpgsqlDataSource Build(string connectionString, int maxPoolSize)
    {
        // The API's own data source (Database.CreateDataSource: prepared statements, no reset on return), so the
        // baselines run their SQL as the API does; only the pool, the name and the command timeout are ours.
        var builder = new NpgsqlConnectionStringBuilder(connectionString)
        {
            MaxPoolSize = maxPoolSize,
            ApplicationName = "sweetsstore-bench",
            CommandTimeout = 600,
        };
        return Database.CreateDataSource(builder.ConnectionString);
    }

    public async Task ExecuteAsync(string sql, CancellationToken ct = default)
    {
        await using var command = Source.CreateCommand(sql);
        command.CommandTimeout = 0;
        await command.ExecuteNonQueryAsync(ct);
    }

    public async Task<T> ScalarAsync<T>(string sql, CancellationToken ct = default)
    {
        await using var command = Source.CreateCommand(sql);
        command.CommandTimeout = 0;
        var value = await command.ExecuteScalarAsync(ct);
        return (T)Convert.ChangeType(value!, typeof(T), System.Globalization.CultureInfo.InvariantCulture);
    }

    public async Task<List<string>> LinesAsync(string sql, CancellationToken ct = default)
    {
        await using var command = Source.CreateCommand(sql);
        command.CommandTimeout = 0;
        await using var reader = await command.ExecuteReaderAsync(ct);
        var lines = new List<string>();
        while (await reader.ReadAsync(ct))
        {
            lines.Add(reader.GetValue(0)?.ToString() ?? "");
        }

        return lines;
    }

    /// <summary>Empties every table the API writes (schema and migrations stay).</summary>
    public Task TruncateAllAsync() =>
        ExecuteAsync("TRUNCATE orders, courier_region_stats, bundles, couriers RESTART IDENTITY");

    /// <summary>
    /// Binary COPY of orders, the same columns and types the API's import writes. This is both the import baseline
    /// and the fast loader of the assign pools. Returns the elapsed time of the COPY alone (connection already open).
    /// </summary>
    public async Task<TimeSpan> CopyOrdersAsync(IReadOnlyList<OrderRow> orders, CancellationToken ct = default, string table = "orders")
    {
        await using var connection = await Source.OpenConnectionAsync(ct);
        var started = Stopwatch.GetTimestamp();
        await using (var copy = await connection.BeginBinaryImportAsync(
            $"COPY {table} (order_id, weight_cg, region, delivery_hours, delivery) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var order in orders)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(order.Id, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(order.WeightHundredthsOfKg, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(order.Region, NpgsqlDbType.Integer, ct);
                await copy.WriteAsync(order.Hours, NpgsqlDbType.Array | NpgsqlDbType.Text, ct);
                await copy.WriteAsync(order.Delivery, NpgsqlDbType.IntegerMultirange, ct);
            }

            await copy.CompleteAsync(ct);
        }

        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>
    /// Returns every assigned order to the pool and forgets deliveries and earnings, then vacuums so the next run
    /// sees the same pool and a clean pool index (what autovacuum would do between bursts). The emptied bundles
    /// stay, finished and unpaid (a bundle left with no orders is finished), as the history a running service
    /// has: deleting them would start every run on an empty <c>bundles</c> table, whose first cached plans are
    /// sequential scans (a new database's first seconds, see SweetsStore.Data/PlannerStatistics.cs), not
    /// the steady state the runs measure.
    /// </summary>
    public async Task ResetDeliveriesAsync(long maxPoolOrderId)
    {
        await ExecuteAsync(
            $"""
            UPDATE orders SET bundle_id = NULL, complete_time = NULL, delivery_micros = NULL
            WHERE bundle_id IS NOT NULL AND order_id <= {maxPoolOrderId};
            UPDATE bundles b SET finished_at = coalesce(b.finished_at, b.assign_time), earnings = 0
            WHERE (b.finished_at IS NULL OR b.earnings <> 0) AND NOT EXISTS (SELECT 1 FROM orders o WHERE o.bundle_id = b.bundle_id);
            DELETE FROM courier_region_stats WHERE courier_id NOT IN (
                SELECT b.courier_id FROM bundles b WHERE EXISTS (SELECT 1 FROM orders o WHERE o.bundle_id = b.bundle_id));
            UPDATE couriers c SET earnings = coalesce((SELECT sum(b.earnings) FROM bundles b WHERE b.courier_id = c.courier_id), 0)
            WHERE c.earnings <> coalesce((SELECT sum(b.earnings) FROM bundles b WHERE b.courier_id = c.courier_id), 0);
            """);
        await VacuumAsync();
    }

    public Task VacuumAsync() => ExecuteAsync("VACUUM (ANALYZE) orders, bundles, couriers, courier_region_stats");

    /// <summary>
    /// CHECKPOINT before a measured pass: what the bench itself just wrote (a 1M-row COPY, resets, vacuums) is flushed
    /// and fsynced now, not in the middle of the pass, where the write-back made commits wait on a busy disk (a single
    /// client's p99 read 5 or 44 ms depending on when it came). The next timed checkpoint is then minutes away, longer
    /// than a pass. Before it, the whole machine's dirty pages are written out (sync(2)): a build just before the run
    /// (bench/run.sh builds first; other agents build too) left files the kernel writes back 30 s later
    /// (vm.dirty_expire_centisecs), during the pass, on the disk the commits fsync to. Returns false (and does
    /// nothing more) without the privilege (pg_checkpoint or superuser).
    /// </summary>
    public async Task<bool> CheckpointAsync()
    {
        await Task.Run(Sync);
        try
        {
            await ExecuteAsync("CHECKPOINT");
            return true;
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.InsufficientPrivilege)
        {
            return false;
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "sync")]
    private static extern void Sync();

    /// <summary>Checkpoints and autovacuum/autoanalyze runs so far (cumulative counters), to say what happened during a pass.</summary>
    public async Task<(long Checkpoints, long Autovacuums)> ActivityAsync()
    {
        var checkpoints = await ScalarAsync<long>("SELECT checkpoints_timed + checkpoints_req FROM pg_stat_bgwriter");
        var autovacuums = await ScalarAsync<long>("SELECT coalesce(sum(autovacuum_count + autoanalyze_count), 0) FROM pg_stat_user_tables");
        return (checkpoints, autovacuums);
    }

    // ---- baselines: the API's own SQL through Npgsql ----

    /// <summary>
    /// The assign's candidate read without the HTTP layer, the engine or the writes: the product's own
    /// (<c>PoolRead</c>, as Pool.ReadAsync runs it, with no exclusions and no row locks: the API's first attempt),
    /// reading on while the best bundle may lie beyond it. Returns the candidates and the number of statements it took.
    /// </summary>
    public static async Task<(List<Candidate> Candidates, int Queries)> ReadCandidatesAsync(
        NpgsqlConnection connection, int[] regions, Weight capacity, NpgsqlRange<int>[] hours, CancellationToken ct)
    {
        var read = new PoolRead(regions, capacity, hours, []);
        await read.ReadOnAsync(connection, ct);

        return (read.Candidates, read.Statements);
    }

    /// <summary>The product's candidate statement (<c>Pool.CandidatesSql</c>), so the baseline times the query the API runs.</summary>
    public const string CandidateSql = Pool.CandidatesSql;

    /// <summary>The SQL of CourierService.GetAsync (SweetsStore.Data/CourierService.cs), read field by field as the API reads it.</summary>
    public const string CourierSql =
        """
        SELECT c.courier_type, c.regions, c.working_hours, c.earnings, s.region, s.total_micros, s.deliveries
        FROM couriers c
        LEFT JOIN courier_region_stats s ON s.courier_id = c.courier_id AND s.deliveries > 0
        WHERE c.courier_id = $1
        """;

    /// <summary>The SQL of the API's GET /couriers/{id}, through <see cref="Source"/> or, when asked, <see cref="PointReads"/>.</summary>
    public async Task<bool> GetCourierAsync(long courierId, CancellationToken ct, bool multiplexed = false)
    {
        await using var command = (multiplexed ? PointReads : Source).CreateCommand(CourierSql);
        command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = courierId });
        await using var reader = await command.ExecuteReaderAsync(ct);
        if (!await reader.ReadAsync(ct))
        {
            return false;
        }

        _ = reader.GetString(0);
        _ = reader.GetFieldValue<int[]>(1);
        _ = reader.GetFieldValue<string[]>(2);
        var earnings = reader.GetInt64(3);
        var stats = new List<RegionDeliveries>();
        do
        {
            if (!reader.IsDBNull(4))
            {
                stats.Add(new RegionDeliveries(reader.GetInt32(4), reader.GetFieldValue<BigInteger>(5), reader.GetInt64(6)));
            }
        }
        while (await reader.ReadAsync(ct));

        return earnings <= 0 || Rating.Compute(stats) is not null;
    }

    /// <summary>
    /// The API's whole assign (<see cref="DeliveryService.AssignAsync"/>: lock, candidate read, engine, claim, commit)
    /// called directly, without HTTP: the ceiling of the concurrent scenario, and for profiling.
    /// </summary>
    public Task<AssignOutcome> AssignViaSqlAsync(long courierId, CancellationToken ct) =>
        Deliveries.AssignAsync(courierId, idempotency: null, ct);

    /// <summary>The API's whole complete (<see cref="DeliveryService.CompleteAsync"/>) called directly, without HTTP.</summary>
    public Task CompleteViaSqlAsync(long courierId, long orderId, Instant completeTime, CancellationToken ct) =>
        Deliveries.CompleteAsync(courierId, orderId, completeTime, idempotency: null, ct);

    private DeliveryService Deliveries => _deliveries ??= new DeliveryService(Source, SystemClock.Instance);

    public async ValueTask DisposeAsync()
    {
        await PointReads.DisposeAsync();
        await Source.DisposeAsync();
    }
}
