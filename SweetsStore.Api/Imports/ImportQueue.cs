using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using SweetsStore.Data.Imports;

namespace SweetsStore.Api.Imports;

/// <summary>
/// Gives an import its Hangfire job, after the upload has committed: <c>queued</c> imports exist before their job does
/// (a crash in between leaves one without a job; <see cref="Jobs.Maintenance.RequeueOrphansAsync"/> finds it).
/// </summary>
public sealed class ImportQueue(IBackgroundJobClient client, ImportStore imports, ILogger<ImportQueue> logger)
{
    /// <summary>
    /// Creates a job for the import and records it as the import's job, in place of <paramref name="replacing"/> (null:
    /// it has none). Returns the job's id, or null when Hangfire's storage could not be reached: the import stays
    /// queued without a job, and the orphan sweep tries again. A job created for an import that meanwhile got another
    /// one is harmless: its run finds the import is not its own and does nothing.
    /// </summary>
    public async Task<string?> EnqueueAsync(long importId, string? replacing, CancellationToken ct)
    {
        string jobId;
        try
        {
            // Hangfire's client is synchronous (one short transaction in its schema).
            jobId = client.Create(
                Job.FromExpression<ImportJob>(j => j.RunAsync(importId, null!, CancellationToken.None), ImportJob.Queue),
                new EnqueuedState(ImportJob.Queue));
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning("Import {ImportId}: could not enqueue its job ({Message}); the orphan sweep will", importId, e.GetBaseException().Message);
            return null;
        }

        if (!await imports.AttachJobAsync(importId, jobId, replacing, ct))
        {
            logger.LogInformation("Import {ImportId}: job {JobId} was not needed (the import has another job, or has ended)", importId, jobId);
        }

        return jobId;
    }
}
