using Microsoft.Extensions.Options;
using Npgsql;
using SweetsStore.Data;

namespace SweetsStore.Api.Infrastructure;

/// <summary>
/// Applies EF Core migrations at start-up, in the background so the process is live (and says it is not
/// ready) while the database is still down; retries until it succeeds. Several instances starting together
/// migrate one after the other (see <see cref="Schema.MigrateAsync"/>), so each migration is applied once. With
/// <c>Database:MigrateOnStartup=false</c> it only opens the <see cref="SchemaGate"/>.
/// </summary>
public sealed class MigrationRunner(IServiceProvider services, SchemaGate schema, IOptions<DatabaseOptions> options, ILogger<MigrationRunner> logger)
    : BackgroundService
{
    private static readonly TimeSpan PatientFor = TimeSpan.FromSeconds(30);

    /// <summary>Applies pending migrations and Hangfire's schema (also the <c>migrate</c> command), one process at a time.</summary>
    public static async Task MigrateAsync(IServiceProvider services, CancellationToken ct)
    {
        await using var scope = services.CreateAsyncScope();
        await Schema.MigrateAsync(
            services.GetRequiredService<NpgsqlDataSource>(),
            scope.ServiceProvider.GetRequiredService<StoreDbContext>(),
            locked => Jobs.HangfireSchema.InstallAsync(services, locked), // under the same lock (docs/decisions/0011)
            ct);
    }

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
}
