using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using SweetsStore.Data;

namespace SweetsStore.Api.Infrastructure;

/// <summary>
/// The data sources (docs/operations.md): the primary's for everything that writes or decides, the point reads'
/// (multiplexed), and, with <c>ConnectionStrings:PostgresReads</c>, one for the reads that may be stale. A
/// connection string may name several hosts (<c>Host=db1,db2</c>): then each source finds the primary among
/// them, or a standby for the stale reads, and follows a promotion without a restart (<see cref="Database"/>).
/// </summary>
public static class DatabaseRegistration
{
    private const string StaleReadsKey = "stale-reads";

    public static IServiceCollection AddDatabase(this IServiceCollection services, string connectionString, IConfiguration configuration)
    {
        services.AddSingleton(Database.CreateDataSource(connectionString));
        services.AddSingleton(new PointReads(Database.CreatePointReadSource(connectionString, configuration.GetValue("Database:MultiplexPointReads", true))));
        services.AddDbContext<StoreDbContext>((sp, o) => o.UseNpgsql(sp.GetRequiredService<NpgsqlDataSource>()));

        var reads = configuration.GetConnectionString("PostgresReads");
        if (string.IsNullOrWhiteSpace(reads))
        {
            services.AddSingleton(sp => new StaleReads(sp.GetRequiredService<NpgsqlDataSource>()));
        }
        else
        {
            var source = Database.CreateStaleReadSource(reads); // built now: a bad connection string stops the start
            services.AddKeyedSingleton<NpgsqlDataSource>(StaleReadsKey, (_, _) => source);
            services.AddSingleton(sp => new StaleReads(sp.GetRequiredKeyedService<NpgsqlDataSource>(StaleReadsKey)));
        }

        services.AddHealthChecks().AddCheck<PrimaryReadyCheck>("primary", tags: ["ready"]);
        return services;
    }
}

/// <summary>
/// Ready also means the API can write: the server it reaches is a primary, not a standby. Matters for a
/// single-host connection string (or an address) that leads to a standby, where every read would work and every
/// write would fail; with several hosts the data source reaches only the primary anyway.
/// </summary>
public sealed class PrimaryReadyCheck(NpgsqlDataSource db) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        try
        {
            return await Database.IsStandbyAsync(db, timeout.Token)
                ? HealthCheckResult.Unhealthy("the database is a standby (read-only)")
                : HealthCheckResult.Healthy("a primary: accepts writes");
        }
        catch (Exception e) when (e is OperationCanceledException || Database.IsUnavailable(e))
        {
            return HealthCheckResult.Unhealthy("database unreachable");
        }
    }
}
