using Hangfire.States;
using Hangfire.Storage;
using SweetsStore.Data.Imports;

namespace SweetsStore.Api.Imports;

/// <summary>
/// Keeps an import's status in step with its Hangfire job where Hangfire ends the job without the job's own code
/// deciding: after its last attempt failed (<see cref="Hangfire.AutomaticRetryAttribute"/> chose no further retry) the
/// import is <c>failed</c> with the reason; a job deleted (in the Hangfire dashboard, or through its API) fails its
/// import too, so no import waits forever for a job that will never run. Retries on their way (Scheduled) change
/// nothing. The orphan sweep repairs what this misses (docs/decisions/0011).
/// </summary>
internal sealed class ImportJobStates(ImportStore imports, ILogger<ImportJobStates> logger) : IApplyStateFilter
{
    public void OnStateApplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
        if (ImportOf(context.BackgroundJob.Job) is not { } importId)
        {
            return;
        }

        var error = context.NewState switch
        {
            FailedState failed => $"the import could not be loaded: {failed.Exception?.GetBaseException().Message ?? failed.Reason}",
            DeletedState deleted => $"its job was deleted{(string.IsNullOrEmpty(deleted.Reason) ? "" : $" ({deleted.Reason})")}; nothing was stored",
            _ => null,
        };
        if (error is null)
        {
            return;
        }

        try
        {
            if (imports.FailByJob(importId, context.BackgroundJob.Id, error))
            {
                logger.LogWarning("Import {ImportId} failed: {Error}", importId, error);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Not fatal to the state change: the sweep finds the job ended and the import not, and fails it then.
            logger.LogWarning("Import {ImportId}: could not record that its job {JobId} ended ({Message})", importId, context.BackgroundJob.Id, e.Message);
        }
    }

    public void OnStateUnapplied(ApplyStateContext context, IWriteOnlyTransaction transaction)
    {
    }

    /// <summary>The import id of an <see cref="ImportJob"/> job, else null.</summary>
    internal static long? ImportOf(Hangfire.Common.Job? job) =>
        job is { } j && j.Type == typeof(ImportJob) && j.Method.Name == nameof(ImportJob.RunAsync) && j.Args.Count > 0 && j.Args[0] is long id
            ? id
            : null;
}
