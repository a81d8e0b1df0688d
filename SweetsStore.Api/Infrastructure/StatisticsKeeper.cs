using Microsoft.Extensions.Options;
using SweetsStore.Data;

namespace SweetsStore.Api.Infrastructure;

/// <summary>
/// Runs <see cref="PlannerStatistics.AnalyzeOutOfStepAsync"/> every second (by default), so cached plans are remade
/// while a table grows from empty instead of a minute later (see <see cref="PlannerStatistics"/>). One cheap
/// catalog query per check; every process may run it (one analyzes a table at a time).
/// </summary>
public sealed class StatisticsKeeper(PlannerStatistics statistics, SchemaGate schema, IOptions<DatabaseOptions> options, ILogger<StatisticsKeeper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        if (settings.AnalyzeCheckSeconds <= 0)
        {
            return;
        }

        await schema.WaitAsync(stoppingToken);
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(settings.AnalyzeCheckSeconds));
        var failing = false;
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                foreach (var table in await statistics.AnalyzeOutOfStepAsync(settings.AnalyzeMinChanges, stoppingToken))
                {
                    logger.LogDebug("Analyzed {Table}: its statistics were out of step with its size", table);
                }

                failing = false;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // The database is down or busy: the requests say so; say it here once, then keep trying.
                if (!failing)
                {
                    logger.LogWarning("Statistics check failed: {Message}", e.Message);
                }

                failing = true;
            }
        }
    }
}
