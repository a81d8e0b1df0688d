using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using NodaTime;
using NodaTime.Testing;
using Npgsql;

namespace SweetsStore.Tests.Infrastructure;

/// <summary>
/// The real API pipeline (controllers, JSON, exception handling, SQL) on its own real PostgreSQL database,
/// with a settable clock. One per test class; <see cref="ResetAsync"/> empties the tables between tests.
/// </summary>
public class ApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    public static readonly Instant Start = Instant.FromUtc(2026, 1, 10, 9, 0, 0);

    private string? _database;

    public FakeClock Clock { get; } = new(Start);

    public string ConnectionString { get; private set; } = "";

    /// <summary>Extra configuration for a test class's factory. Background workers are off unless a class turns them on.</summary>
    protected virtual IEnumerable<KeyValuePair<string, string?>> Settings => [new("Jobs:Enabled", "false")];

    public virtual async Task InitializeAsync()
    {
        (_database, ConnectionString) = await TestDatabase.CreateAsync();
    }

    async Task IAsyncLifetime.DisposeAsync()
    {
        await base.DisposeAsync();
        NpgsqlConnection.ClearAllPools();
        if (_database is not null)
        {
            await TestDatabase.DropAsync(_database);
        }
    }

    /// <summary>Empties every table and restarts their sequences.</summary>
    public async Task ResetAsync()
    {
        Clock.Reset(Start);
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        // Hangfire's jobs go too (not its servers, locks or recurring jobs: a running host keeps those), and the
        // retries scheduled for them.
        await using var command = new NpgsqlCommand(
            """
            TRUNCATE couriers, orders, bundles, courier_region_stats, import_chunks, imports, idempotency_keys RESTART IDENTITY CASCADE;
            TRUNCATE hangfire.job, hangfire.jobqueue CASCADE;
            DELETE FROM hangfire.set WHERE key = 'schedule';
            """, connection);
        // The TRUNCATE locks its tables one after another, and a running host's counts query (Telemetry, the dashboard)
        // reads some of them in another order: PostgreSQL may end one of the two as a deadlock. The reset changed
        // nothing then (a statement is all or nothing), so it is sent again.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await command.ExecuteNonQueryAsync();
                return;
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.DeadlockDetected && attempt < 5)
            {
            }
        }
    }

    /// <summary>Runs SQL against the test database (for assertions on what was stored).</summary>
    public async Task<T> ScalarAsync<T>(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = p });
        }

        return (T)(await command.ExecuteScalarAsync())!;
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseSetting("ConnectionStrings:Postgres", ConnectionString);
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        builder.UseSetting("Logging:Console:FormatterName", "simple");
        foreach (var (key, value) in Settings)
        {
            builder.UseSetting(key, value);
        }

        builder.ConfigureServices(services => services.AddSingleton<IClock>(Clock));
    }
}
