using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using SweetsStore.Data;
using SweetsStore.Tests.Infrastructure;

namespace SweetsStore.Tests.Contracts;

/// <summary>The API with its statistics keeper on (checking every 0.2 s); autovacuum is off for the tables it watches.</summary>
public class KeeperFactory : ApiFactory
{
    protected override IEnumerable<KeyValuePair<string, string?>> Settings =>
        [.. base.Settings, new("Database:AnalyzeCheckSeconds", "0.2"), new("Database:AnalyzeMinChanges", "500")];

    public override async Task InitializeAsync()
    {
        await base.InitializeAsync();
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        // Only the keeper may analyze here, so a test that waits for an ANALYZE cannot pass by autovacuum's luck.
        foreach (var table in new[] { "orders", "bundles", "couriers", "courier_region_stats" })
        {
            await using var off = new NpgsqlCommand($"ALTER TABLE {table} SET (autovacuum_enabled = false)", connection);
            await off.ExecuteNonQueryAsync();
        }
    }
}

public class PlannerStatisticsTests(KeeperFactory api) : IClassFixture<KeeperFactory>, IAsyncLifetime
{
    public async Task InitializeAsync()
    {
        await api.ResetAsync();
        await using var connection = await OpenAsync();
        await ExecuteAsync(connection, "VACUUM (ANALYZE) bundles, couriers"); // empty, and known to be: reltuples 0
        await ExecuteAsync(connection, "INSERT INTO couriers (courier_id, courier_type, regions, working_hours) VALUES (1, 'car', '{1}', '{09:00-18:00}')");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task ACachedPlanMadeOnAnEmptyTableBecomesAnIndexScanOnceTheTableGrows()
    {
        _ = api.Services; // start the host, and with it the keeper
        await using var session = await OpenAsync();
        // The foreign-key check PostgreSQL runs for every order an assign claims, as a cached generic plan.
        await ExecuteAsync(session, "SET plan_cache_mode = force_generic_plan");
        await ExecuteAsync(session, "PREPARE fk_check(bigint) AS SELECT 1 FROM ONLY bundles x WHERE bundle_id = $1 FOR KEY SHARE OF x");
        Assert.Contains("Seq Scan", await PlanAsync(session));

        // The cached plan does not notice the growth by itself (with the keeper off it is still a Seq Scan after
        // the wait below); the keeper's ANALYZE invalidates it, and the plan made next uses pk_bundles.
        await InsertBundlesAsync(2_000);

        var waited = Stopwatch.StartNew();
        string plan;
        while (!(plan = await PlanAsync(session)).Contains("Index Scan using pk_bundles", StringComparison.Ordinal) && waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(100);
        }

        Assert.Contains("Index Scan using pk_bundles", plan);
        Assert.True(await ScalarAsync<float>("SELECT reltuples FROM pg_class WHERE relname = 'bundles'") >= 2_000);
    }

    [Fact]
    public async Task OnlyTablesThatChangedByTheirOwnSizeAndTheMinimumAreOutOfStep()
    {
        var statistics = api.Services.GetRequiredService<PlannerStatistics>();
        await InsertBundlesAsync(300);
        await WaitForChangesAsync(300);
        Assert.DoesNotContain("bundles", await statistics.OutOfStepAsync(500, default)); // fewer changes than the minimum

        await using (var connection = await OpenAsync())
        {
            await ExecuteAsync(connection, "ANALYZE bundles"); // 300 rows known
        }

        await InsertBundlesAsync(200);
        await WaitForChangesAsync(200);
        Assert.DoesNotContain("bundles", await statistics.OutOfStepAsync(100, default)); // 200 changes < 300 rows

        await InsertBundlesAsync(150);
        await WaitForChangesAsync(350);
        Assert.Contains("bundles", await statistics.OutOfStepAsync(100, default)); // 350 changes ≥ 300 rows
    }

    private async Task<NpgsqlConnection> OpenAsync(bool pooled = true)
    {
        var connection = new NpgsqlConnection(pooled ? api.ConnectionString : $"{api.ConnectionString};Pooling=false");
        await connection.OpenAsync();
        return connection;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private static async Task<string> PlanAsync(NpgsqlConnection session)
    {
        await using var command = new NpgsqlCommand("EXPLAIN EXECUTE fk_check(1)", session);
        await using var reader = await command.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
        {
            lines.Add(reader.GetString(0));
        }

        return string.Join('\n', lines);
    }

    // On a connection of its own that closes after: a backend reports its counters when it exits (an idle one
    // waits up to 10 s), and the keeper and the tests read those counters.
    private async Task InsertBundlesAsync(int count)
    {
        await using var connection = await OpenAsync(pooled: false);
        await using var command = new NpgsqlCommand(
            """
            INSERT INTO bundles (courier_id, courier_type, coefficient, assign_time, finished_at)
            SELECT 1, 'car', 9, now(), now() FROM generate_series(1, $1)
            """, connection);
        command.Parameters.Add(new NpgsqlParameter<int> { TypedValue = count });
        await command.ExecuteNonQueryAsync();
    }

    // The inserting backend has exited; its report reaches the statistics views within moments.
    private async Task WaitForChangesAsync(long changes)
    {
        var waited = Stopwatch.StartNew();
        while (await ScalarAsync<long>("SELECT n_mod_since_analyze FROM pg_stat_user_tables WHERE relname = 'bundles'") < changes)
        {
            Assert.True(waited.Elapsed < TimeSpan.FromSeconds(60), $"bundles' change counter did not reach {changes}");
            await Task.Delay(100);
        }
    }

    private Task<T> ScalarAsync<T>(string sql) => api.ScalarAsync<T>(sql);
}
