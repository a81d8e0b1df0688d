using System.ComponentModel;
using Hangfire;
using Hangfire.States;
using Microsoft.Extensions.Options;
using SweetsStore.Api.Imports;
using SweetsStore.Data.Imports;

namespace SweetsStore.Api.Jobs;

/// <summary>
/// Housekeeping as recurring Hangfire jobs, on their own queue and worker so a long import never holds them up. Each
/// run is one short pass; one that fails is not retried (the next comes within the hour, or the minute) and is
/// deleted rather than kept as Failed. Minute granularity is Hangfire's (cron); the statistics keeper needs seconds
/// and stays a hosted service (docs/decisions/0011).
/// </summary>
public sealed class Maintenance(ImportStore imports, ImportQueue queue, JobStorage storage, IOptions<JobOptions> options, ILogger<Maintenance> logger)
{
    public const string Queue = "maintenance";

    public const string RequeueOrphansId = "imports-requeue-orphans";

    public const string PurgeImportsId = "imports-purge";

    /// <summary>Registers (or updates) the recurring jobs; every process with a server does, idempotently.</summary>
    public static void Register(IRecurringJobManager manager)
    {
        manager.AddOrUpdate<Maintenance>(RequeueOrphansId, Queue, m => m.RequeueOrphansAsync(CancellationToken.None), Cron.Minutely());
        manager.AddOrUpdate<Maintenance>(PurgeImportsId, Queue, m => m.PurgeImportsAsync(CancellationToken.None), Cron.Hourly());
        manager.AddOrUpdate<Idempotency.IdempotencyPurge>(
            Idempotency.IdempotencyPurge.Id, Queue, p => p.PurgeAsync(CancellationToken.None), Idempotency.IdempotencyPurge.Cron);
    }

    /// <summary>
    /// Gives a job to every import that needs one: uploaded but left without a job (the process stopped between the
    /// upload's commit and the enqueue), or whose job is gone (expired, or removed from Hangfire's tables). An import
    /// whose job ended Failed or Deleted without the import being failed (the state filter could not reach the
    /// database) is failed now. Duplicates this may cause are harmless: a run that does not hold the import does nothing.
    /// </summary>
    [Queue(Queue)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    [DisplayName("Re-enqueue imports left without a job")]
    public async Task RequeueOrphansAsync(CancellationToken ct)
    {
        foreach (var id in await imports.OrphansAsync(TimeSpan.FromSeconds(options.Value.OrphanSeconds), ct))
        {
            var job = await queue.EnqueueAsync(id, replacing: null, ct);
            logger.LogWarning("Import {ImportId} had no job since its upload; enqueued job {JobId}", id, job);
        }

        using var connection = storage.GetConnection();
        foreach (var import in await imports.UnfinishedAsync(ct))
        {
            var state = connection.GetStateData(import.JobId);
            if (state is null || Is(state.Name, SucceededState.StateName))
            {
                // Gone (expired, or removed from Hangfire's tables), or Succeeded: a job ends Succeeded only after its
                // import ended, so that one cannot be this import's.
                var job = await queue.EnqueueAsync(import.Id, replacing: import.JobId, ct);
                logger.LogWarning("Import {ImportId}: its job {OldJobId} is {State}; enqueued job {JobId}", import.Id, import.JobId, state?.Name ?? "gone", job);
            }
            else if (Is(state.Name, FailedState.StateName) || Is(state.Name, DeletedState.StateName))
            {
                var error = Is(state.Name, FailedState.StateName)
                    ? $"the import could not be loaded: {(state.Data.TryGetValue("ExceptionMessage", out var message) ? message : state.Reason)}"
                    : $"its job was deleted{(string.IsNullOrEmpty(state.Reason) ? "" : $" ({state.Reason})")}; nothing was stored";
                if (imports.FailByJob(import.Id, import.JobId, error))
                {
                    logger.LogWarning("Import {ImportId} failed: {Error}", import.Id, error);
                }
            }
        }
    }

    private static bool Is(string state, string name) => string.Equals(state, name, StringComparison.OrdinalIgnoreCase);

    /// <summary>Deletes failed imports' bodies and ended imports after their retention (<see cref="JobOptions"/>).</summary>
    [Queue(Queue)]
    [AutomaticRetry(Attempts = 0, OnAttemptsExceeded = AttemptsExceededAction.Delete)]
    [DisplayName("Purge old imports")]
    public async Task PurgeImportsAsync(CancellationToken ct)
    {
        var settings = options.Value;
        var (bodies, records) = await imports.PurgeAsync(
            TimeSpan.FromHours(settings.FailedBodyRetentionHours), TimeSpan.FromDays(settings.ImportRetentionDays), ct);
        if (bodies + records > 0)
        {
            logger.LogInformation("Purged the bodies of {Bodies} ended imports and {Imports} imports past their retention", bodies, records);
        }
    }
}
