using Hangfire;
using Hangfire.Common;
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
        using var imports = new BackgroundJobServer(Options($"{name}.imports", [ImportJob.Queue], settings.Workers, lightweight: false), storage);
        using var maintenance = new BackgroundJobServer(Options($"{name}.maintenance", [Maintenance.Queue], 1, lightweight: true), storage);
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

    private BackgroundJobServerOptions Options(string serverName, string[] queues, int workers, bool lightweight) => new()
    {
        ServerName = serverName,
        Queues = queues,
        WorkerCount = workers,
        IsLightweightServer = lightweight,
        SchedulePollingInterval = options.Value.SchedulePoll,
        FilterProvider = filters,
        Activator = activator,
        // A stop cancels running jobs at once (their rows roll back, Hangfire re-queues them for another process) and
        // waits up to 15 s for them to let go: inside the host's own shutdown timeout and supervisord's stopwaitsecs.
        StopTimeout = TimeSpan.Zero,
        ShutdownTimeout = TimeSpan.FromSeconds(15),
    };

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
