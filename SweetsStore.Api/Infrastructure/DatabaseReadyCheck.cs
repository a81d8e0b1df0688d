using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using SweetsStore.Data;

namespace SweetsStore.Api.Infrastructure;

/// <summary>Ready = the database answers and every migration this build knows is applied (<see cref="Schema.ProbeAsync"/>).</summary>
/// <remarks>
/// Health checks' own log says every unhealthy probe at Error (the category is turned down in appsettings.json): a
/// load balancer probing a starting process each second would fill the log. This check logs when its answer
/// changes instead (<see cref="ReadinessLog"/>).
/// </remarks>
public sealed class DatabaseReadyCheck(NpgsqlDataSource db, ReadinessLog log) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(3));
        var state = await Schema.ProbeAsync(db, log.ExpectedMigrations, Jobs.HangfireSchema.Version, timeout.Token);
        var result = state switch
        {
            { Status: SchemaStatus.Ready } => HealthCheckResult.Healthy("database reachable, migrations applied"),
            { Status: SchemaStatus.MigrationsMissing, MissingMigrations.Count: 0 } => HealthCheckResult.Unhealthy("migrations not applied"),
            { Status: SchemaStatus.MigrationsMissing } => HealthCheckResult.Unhealthy($"migrations not applied: {string.Join(", ", state.MissingMigrations)}"),
            { Status: SchemaStatus.JobTablesMissing } => HealthCheckResult.Unhealthy("Hangfire's schema not installed (run migrate)"),
            _ => HealthCheckResult.Unhealthy("database unreachable"),
        };
        log.Changed(result);
        return result;
    }
}
