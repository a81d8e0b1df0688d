using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using SweetsStore.Data;

namespace SweetsStore.Api.Infrastructure;

/// <summary>
/// What this process last answered for readiness, so <see cref="DatabaseReadyCheck"/> (made anew for every probe) logs
/// only a change: not ready while starting at Information, ready at Information, no longer ready at Warning. One per
/// host (several hosts in one process, as in the tests, each keep their own).
/// </summary>
public sealed class ReadinessLog(IServiceProvider services, ILogger<DatabaseReadyCheck> logger)
{
    private readonly Lazy<string[]> _expected = new(() =>
    {
        using var scope = services.CreateScope();
        return scope.ServiceProvider.GetRequiredService<StoreDbContext>().Database.GetMigrations().ToArray();
    });

    private string? _lastAnswer;
    private bool _wasReady;

    /// <summary>Every migration this build knows.</summary>
    public IReadOnlyCollection<string> ExpectedMigrations => _expected.Value;

    public void Changed(HealthCheckResult result)
    {
        var answer = result.Description ?? "";
        if (Interlocked.Exchange(ref _lastAnswer, answer) == answer)
        {
            return;
        }

        var ready = result.Status == HealthStatus.Healthy;
        logger.Log(ready || !_wasReady ? LogLevel.Information : LogLevel.Warning, "Readiness: {Status} ({Description})",
            ready ? "ready" : "not ready", answer);
        _wasReady |= ready;
    }
}
