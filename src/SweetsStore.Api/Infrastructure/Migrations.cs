using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using SweetsStore.Data;

namespace SweetsStore.Api.Infrastructure;

/// <summary>
/// Applies EF Core migrations at start-up, in the background so the process is live (and says it is not
/// ready) while the database is still down; retries until it succeeds. EF Core takes a database lock around
/// migrating, so several instances starting together apply each migration once.
/// </summary>
public sealed class MigrationRunner(IServiceProvider services, ILogger<MigrationRunner> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await MigrateAsync(services, stoppingToken);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Migrations not applied yet ({Message}); retrying in {Delay}", e.Message, delay);
                await Task.Delay(delay, stoppingToken);
                delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 15));
            }
        }
    }

    /// <summary>Applies pending migrations (also the <c>migrate</c> command).</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        var context = scope.ServiceProvider.GetRequiredService<StoreDbContext>();
        await context.Database.MigrateAsync(ct);
    }
}

/// <summary>Ready = the database answers and every migration this build knows is applied.</summary>
public sealed class DatabaseReadyCheck(NpgsqlDataSource db, IServiceProvider services) : IHealthCheck
{
    private static string[]? _expected;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
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
            return missing.Length == 0
                ? HealthCheckResult.Healthy("database reachable, migrations applied")
                : HealthCheckResult.Unhealthy($"migrations not applied: {string.Join(", ", missing)}");
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
