using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using SweetsStore.Data;

namespace SweetsStore.Api.Infrastructure;

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
