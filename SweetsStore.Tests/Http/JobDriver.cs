using Hangfire;
using Hangfire.States;
using Hangfire.Storage;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using SweetsStore.Api.Imports;

namespace SweetsStore.Tests.Http;

/// <summary>
/// Plays a Hangfire worker, step by step, on one host's own storage (never <c>JobStorage.Current</c>), so a test
/// decides who holds a job and when it stops: fetch (the job turns invisible to other servers for their lease),
/// mark it Processing as a worker does, run the import job, and end it, or not (a worker killed mid-load).
/// </summary>
internal sealed class JobDriver(WebApplicationFactory<Program> host)
{
    public JobStorage Storage => host.Services.GetRequiredService<JobStorage>();

    public IBackgroundJobClient Client => host.Services.GetRequiredService<IBackgroundJobClient>();

    public ImportJob Job => host.Services.GetRequiredService<ImportJob>();

    /// <summary>Takes the next job of the imports queue for a worker of <paramref name="serverId"/>.</summary>
    public FetchedImport Fetch(string serverId = "test-server")
    {
        using var connection = Storage.GetConnection();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var fetched = connection.FetchNextJob([ImportJob.Queue], wait.Token);
        var importId = ImportJobStates.ImportOf(connection.GetJobData(fetched.JobId)!.Job)!.Value;
        Assert.True(Client.ChangeState(fetched.JobId, new Processing(serverId), EnqueuedState.StateName), $"job {fetched.JobId} was not Enqueued");
        return new FetchedImport(fetched, fetched.JobId, importId);
    }

    /// <summary>One run of the import job, as the worker would call it.</summary>
    public Task RunAsync(FetchedImport job, CancellationToken ct = default) => Job.RunForJobAsync(job.ImportId, job.JobId, ct);

    /// <summary>Ends the job as a worker does after a run that returned.</summary>
    public void Succeed(FetchedImport job)
    {
        Assert.True(Client.ChangeState(job.JobId, new SucceededState(null, 0, 0), ProcessingState.StateName));
        job.Fetched.RemoveFromQueue();
        job.Fetched.Dispose();
    }

    /// <summary>
    /// The job's history once Hangfire has recorded a state other than Enqueued or Processing (60 s at most). The job
    /// writes its import's end in its own transaction; its worker records Succeeded or Failed in Hangfire's tables
    /// after that, a moment later or, on a loaded machine, much later: reading the history as soon as the import has
    /// ended can miss the job's last state.
    /// </summary>
    public async Task<List<string>> HistoryOnceEndedAsync(string jobId)
    {
        var until = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var state = Storage.GetMonitoringApi().JobDetails(jobId)?.History.FirstOrDefault()?.StateName;
            if (state is not null && state != EnqueuedState.StateName && state != ProcessingState.StateName)
            {
                return History(jobId);
            }

            Assert.True(DateTime.UtcNow < until, $"job {jobId} is still {state ?? "without a state"} after 60 s: {string.Join(" → ", History(jobId))}");
            await Task.Delay(50);
        }
    }

    /// <summary>The state names the job went through, oldest first, and the server of each Processing one.</summary>
    public List<string> History(string jobId)
    {
        var details = Storage.GetMonitoringApi().JobDetails(jobId);
        return details.History.AsEnumerable().Reverse()
            .Select(h => h.StateName == ProcessingState.StateName ? $"{h.StateName}@{h.Data["ServerId"]}" : h.StateName)
            .ToList();
    }

    /// <summary>Hangfire's own Processing state is made only by its workers (internal constructor): this one says the same.</summary>
    private sealed class Processing(string serverId) : IState
    {
        public string Name => ProcessingState.StateName;

        public string? Reason => null;

        public bool IsFinal => false;

        public bool IgnoreJobLoadException => false;

        public Dictionary<string, string> SerializeData() => new()
        {
            ["StartedAt"] = Hangfire.Common.JobHelper.SerializeDateTime(DateTime.UtcNow),
            ["ServerId"] = serverId,
            ["WorkerId"] = "worker-1",
        };
    }
}

/// <summary>A job fetched by <see cref="JobDriver"/>: disposing it hands it back to the queue, as Hangfire does.</summary>
internal sealed record FetchedImport(IFetchedJob Fetched, string JobId, long ImportId);
