using Hangfire;
using Hangfire.Common;
using Microsoft.Extensions.Options;
using SweetsStore.Api.Imports;

namespace SweetsStore.Api.Jobs;

/// <summary>
/// This host's Hangfire job filters, handed to its client, servers and dashboard explicitly. Hangfire's usual place,
/// <c>GlobalJobFilters</c>, is static: every host in a process would share (and fight over) it, and the import filter
/// needs this host's database. Attributes on job methods (<c>[Queue]</c>, a maintenance job's own
/// <c>[AutomaticRetry]</c>) still apply, and win over these (a method's scope outranks a global one).
/// </summary>
internal sealed class JobFilters : IJobFilterProvider
{
    private readonly JobFilterProviderCollection _providers;

    public JobFilters(ImportJobStates importStates, IOptions<JobOptions> options)
    {
        var settings = options.Value;
        var global = new JobFilterCollection
        {
            // Retries with doubling delays; after the last attempt the job is Failed (kept for an operator to see)
            // and ImportJobStates fails its import with the reason.
            new AutomaticRetryAttribute
            {
                Attempts = settings.MaxAttempts - 1,
                DelayInSecondsByAttemptFunc = settings.RetryDelay,
                OnAttemptsExceeded = AttemptsExceededAction.Fail,
            },
            // The dashboard's succeeded/failed history graphs.
            new StatisticsHistoryAttribute(),
            importStates,
        };

        // Not here, unlike GlobalJobFilters: CaptureCulture (the API runs invariant) and ContinuationsSupport (no job
        // continues another, and it costs a parameter read on every state change).
        _providers = new JobFilterProviderCollection(global, new JobFilterAttributeFilterProvider());
    }

    public IEnumerable<JobFilter> GetFilters(Job job) => _providers.GetFilters(job);
}
