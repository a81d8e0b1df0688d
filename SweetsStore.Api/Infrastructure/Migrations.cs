using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;
using Npgsql;
using SweetsStore.Data;

namespace SweetsStore.Api.Infrastructure;

/// <summary>
/// Applies EF Core migrations at start-up, in the background so the process is live (and says it is not
/// ready) while the database is still down; retries until it succeeds. Several instances starting together
/// migrate one after the other (see <see cref="MigrateAsync"/>), so each migration is applied once. With
/// <c>Database:MigrateOnStartup=false</c> it only opens the <see cref="SchemaGate"/>.
/// </summary>
public sealed class MigrationRunner(IServiceProvider services, SchemaGate schema, IOptions<DatabaseOptions> options, ILogger<MigrationRunner> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.MigrateOnStartup)
        {
            schema.Open();
            return;
        }

        var delay = TimeSpan.FromSeconds(1);
        var started = System.Diagnostics.Stopwatch.StartNew();
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await MigrateAsync(services, stoppingToken);
                schema.Open();
                logger.LogInformation("Database migrated after {Seconds:0.0} s: ready", started.Elapsed.TotalSeconds);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A database that is still starting (a container next to this one) is normal for a while: said at
                // Information; a warning once it has been unreachable for longer than a start takes.
                logger.Log(started.Elapsed < PatientFor ? LogLevel.Information : LogLevel.Warning,
                    "Not ready: migrations not applied yet ({Message}); retrying in {Delay}", e.Message, delay);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 15));
            }
        }
    }

    private static readonly TimeSpan PatientFor = TimeSpan.FromSeconds(30);

    // pg_advisory_xact_lock key held while migrating: "SweetsMg".
    private const long MigrationLock = 0x5377_6565_7473_4D67;

    /// <summary>Applies pending migrations (also the <c>migrate</c> command), one process at a time.</summary>
    /// <remarks>
    /// EF Core's own migration lock (Npgsql: a table lock per migration's transaction) does not serialise
    /// processes that start together on an empty database: each decides which migrations to apply before it
    /// takes that lock, so two of them applied the same migration and the second failed with 42P07 "relation
    /// already exists" (found by the reliability suite). So the whole migration runs while this process holds
    /// a transaction-scoped advisory lock on a connection of its own: a second process waits, then finds
    /// nothing left to apply. Transaction-scoped, so it also holds behind PgBouncer in transaction mode, and a
    /// process that dies releases it with its connection.
    /// </remarks>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken ct)
    {
        await using var guard = await services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync(ct);
        await using var held = await guard.BeginTransactionAsync(ct);
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_xact_lock($1)", guard, held))
        {
            take.Parameters.Add(new NpgsqlParameter<long> { TypedValue = MigrationLock });
            await take.ExecuteNonQueryAsync(ct);
        }

        await using var scope = services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<StoreDbContext>();
        await context.Database.MigrateAsync(ct);
        await Jobs.HangfireSchema.InstallAsync(services, ct); // Hangfire's own schema, under the same lock (docs/decisions/0011)
        await held.CommitAsync(ct); // releases the lock; so does the rollback when anything above throws
    }
}

/// <summary>
/// Opens once this process may use the schema: when its start-up migration is applied, or from the start when
/// a separate step applies migrations (<c>Database:MigrateOnStartup=false</c>). Background work waits for it, so
/// a first start on an empty database does not log "relation does not exist" from the job workers.
/// </summary>
public sealed class SchemaGate
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Open() => _open.TrySetResult();

    public Task WaitAsync(CancellationToken ct) => _open.Task.WaitAsync(ct);
}

/// <summary>Ready = the database answers and every migration this build knows is applied.</summary>
/// <remarks>
/// Health checks' own log says every unhealthy probe at Error (the category is turned down in appsettings.json): a
/// load balancer probing a starting process each second would fill the log. This check logs when its answer
/// changes instead: not ready while starting at Information, ready at Information, no longer ready at Warning.
/// </remarks>
public sealed class DatabaseReadyCheck(NpgsqlDataSource db, IServiceProvider services, ILogger<DatabaseReadyCheck> logger) : IHealthCheck
{
    private static string[]? _expected;
    private static string? _lastAnswer;
    private static bool _wasReady;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
    {
        var result = await ProbeAsync(ct);
        var answer = result.Description ?? "";
        if (Interlocked.Exchange(ref _lastAnswer, answer) != answer)
        {
            var ready = result.Status == HealthStatus.Healthy;
            logger.Log(ready || !_wasReady ? LogLevel.Information : LogLevel.Warning, "Readiness: {Status} ({Description})",
                ready ? "ready" : "not ready", answer);
            _wasReady |= ready;
        }

        return result;
    }

    private async Task<HealthCheckResult> ProbeAsync(CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            _expected ??= ExpectedMigrations(services);
            await using var command = db.CreateCommand(
                "SELECT coalesce(array_agg(\"MigrationId\"), '{}') FROM \"__EFMigrationsHistory\" WHERE \"MigrationId\" = ANY($1)");
            command.Parameters.Add(new NpgsqlParameter<string[]> { TypedValue = _expected });
            var applied = (string[])(await command.ExecuteScalarAsync(timeout.Token))!;
            var missing = _expected.Except(applied).ToArray();
            if (missing.Length > 0)
            {
                return HealthCheckResult.Unhealthy($"migrations not applied: {string.Join(", ", missing)}");
            }

            await using var connection = await db.OpenConnectionAsync(timeout.Token);
            return await Jobs.HangfireSchema.InstalledVersionAsync(connection, timeout.Token) >= Jobs.HangfireSchema.Version
                ? HealthCheckResult.Healthy("database reachable, migrations applied")
                : HealthCheckResult.Unhealthy("Hangfire's schema not installed (run migrate)");
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return HealthCheckResult.Unhealthy("migrations not applied");
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException or InvalidOperationException)
        {
            return HealthCheckResult.Unhealthy("database unreachable");
        }
    }

    private static string[] ExpectedMigrations(IServiceProvider services)
    {
        using var scope = services.CreateScope();
        return scope.ServiceProvider.GetRequiredService<StoreDbContext>().Database.GetMigrations().ToArray();
    }
}
