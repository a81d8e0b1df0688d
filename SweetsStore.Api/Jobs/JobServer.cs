using Hangfire;
using Hangfire.Client;
using Hangfire.Common;
using Hangfire.Server;
using Hangfire.States;
using Microsoft.Extensions.Options;
using SweetsStore.Api.Imports;
using SweetsStore.Api.Infrastructure;

namespace SweetsStore.Api.Jobs;

/// <summary>
/// This process's Hangfire servers, started once the schema is there (<see cref="SchemaGate"/>: on an empty database
/// the start-up migration installs Hangfire's tables first). Two servers on the one storage: <c>imports</c> with
/// <c>Jobs:Workers</c> workers, which also runs Hangfire's schedulers and storage upkeep, and a lightweight
/// <c>maintenance</c> one with one worker, so housekeeping never waits behind a long import. A stop hands a running
/// import back at once (Hangfire re-queues it; its rows roll back), as a graceful stop should. None with
/// <c>Jobs:Enabled=false</c> (the process still enqueues and shows the dashboard).
/// </summary>
internal sealed class JobServer(
    JobStorage storage, IJobFilterProvider filters, JobActivator activator, IRecurringJobManager recurring, SchemaGate schema,
    IOptions<JobOptions> options, ILogger<JobServer> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!options.Value.Enabled)
        {
            return;
        }

        try
        {
            await schema.WaitAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return;
        }

        var settings = options.Value;
        var name = Environment.MachineName; // Hangfire adds ":{process id}:{guid}" to a server's name
        using var imports = Server($"{name}.imports", [ImportJob.Queue], settings.Workers, lightweight: false);
        using var maintenance = Server($"{name}.maintenance", [Maintenance.Queue], 1, lightweight: true);
        logger.LogInformation("Hangfire servers {Name}.imports ({Workers} workers) and {Name}.maintenance (1 worker) started on {Storage}", name, settings.Workers, name, storage);
        await RegisterRecurringJobsAsync(stoppingToken);
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }

        imports.SendStop();
        maintenance.SendStop();
        await Task.WhenAll(imports.WaitForShutdownAsync(CancellationToken.None), maintenance.WaitForShutdownAsync(CancellationToken.None));
    }

    /// <summary>
    /// What Hangfire's <c>BackgroundJobServer</c> makes (workers on <paramref name="queues"/>; unless lightweight, the
    /// schedulers of retries and recurring jobs and the storage's upkeep; heartbeats and the dead-server watchdog),
    /// composed here for one setting it does not pass on: how long a loop waits after a storage error before trying
    /// again (<see cref="LoopRetryDelay"/>).
    /// </summary>
    private BackgroundProcessingServer Server(string serverName, string[] queues, int workers, bool lightweight)
    {
        var settings = options.Value;
        var stateChanger = new BackgroundJobStateChanger(filters);
        var processes = new List<IBackgroundProcessDispatcherBuilder>
        {
            new Worker(queues, new BackgroundJobPerformer(filters, activator), stateChanger).UseBackgroundPool(workers),
        };
        if (!lightweight)
        {
            processes.Add(new DelayedJobScheduler(settings.SchedulePoll, stateChanger).UseBackgroundPool(1));
            processes.Add(new RecurringJobScheduler(new BackgroundJobFactory(filters), settings.SchedulePoll, new DefaultTimeZoneResolver()).UseBackgroundPool(1));
        }

        return new BackgroundProcessingServer(
            storage,
            processes,
            new Dictionary<string, object> { ["Queues"] = queues, ["WorkerCount"] = workers },
            new BackgroundProcessingServerOptions
            {
                ServerName = serverName,
                ExcludeStorageProcesses = lightweight,
                RetryDelay = LoopRetryDelay,
                // A stop cancels running jobs at once (their rows roll back, Hangfire re-queues them for another
                // process) and waits up to 15 s for them to let go: inside the host's own shutdown timeout and
                // supervisord's stopwaitsecs.
                StopTimeout = TimeSpan.Zero,
                ShutdownTimeout = TimeSpan.FromSeconds(15),
            });
    }

    /// <summary>
    /// The wait of a Hangfire loop (a worker's fetch, a scheduler, a heartbeat, the storage's upkeep) after its
    /// <paramref name="failures"/>-th storage error in a row: 1, 2, 3, 4, then 5 s. Hangfire's own is the square in
    /// seconds, up to 5 minutes, so the loops came back long after the database: measured, a job enqueued when a
    /// 60 s outage ended ran 31 s later. At most 5 s, a process's dozen loops try a lost database about twice a second
    /// between them; each try is one connection attempt. docs/decisions/0012.
    /// </summary>
    internal static TimeSpan LoopRetryDelay(int failures) => TimeSpan.FromSeconds(Math.Clamp(failures, 1, 5));

    // Retried until the database answers (with a separate migrate step, this process may start before it does).
    private async Task RegisterRecurringJobsAsync(CancellationToken stoppingToken)
    {
        var delay = TimeSpan.FromSeconds(1);
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                Maintenance.Register(recurring);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Recurring jobs not registered yet ({Message}); retrying in {Delay}", e.GetBaseException().Message, delay);
                try
                {
                    await Task.Delay(delay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 30));
            }
        }
    }
}
