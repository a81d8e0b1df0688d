using Microsoft.Extensions.Options;
using Npgsql;
using SweetsStore.Api.Infrastructure;
using SweetsStore.Data.Jobs;

namespace SweetsStore.Api.Jobs;

/// <summary>
/// The workers of this process (Hangfire's BackgroundJobServer): each claims a due job, renews its lease while
/// the handler runs, and records failures with backoff. Idle workers wake on a NOTIFY from
/// <see cref="JobStore.EnqueueAsync"/> or after the poll interval, whichever comes first.
/// </summary>
public sealed class JobWorker(
    JobStore store, IEnumerable<IJobHandler> handlers, NpgsqlDataSource db, SchemaGate schema, IOptions<JobOptions> options,
    ILogger<JobWorker> logger)
    : BackgroundService
{
    private readonly SemaphoreSlim _wake = new(0);
    private readonly Dictionary<string, IJobHandler> _handlers = handlers.ToDictionary(h => h.Kind);
    private readonly string _process = $"{Environment.MachineName}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        await schema.WaitAsync(stoppingToken); // the jobs table exists from here on
        var settings = options.Value;
        var loops = Enumerable.Range(0, Math.Max(1, settings.Workers)).Select(i => WorkAsync($"{_process}:{i}", settings, stoppingToken));
        await Task.WhenAll(settings.Listen ? loops.Append(ListenAsync(stoppingToken)) : loops);
    }

    private async Task WorkAsync(string workerId, JobOptions settings, CancellationToken stopping)
    {
        await Task.Yield();
        while (!stopping.IsCancellationRequested)
        {
            ClaimedJob? job;
            try
            {
                job = await store.TryClaimAsync(workerId, settings.Lease, stopping);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("Job queue unavailable: {Message}", e.Message);
                await Sleep(settings.Poll * 2, stopping);
                continue;
            }

            if (job is null)
            {
                await Sleep(settings.Poll, stopping);
                continue;
            }

            try
            {
                await RunAsync(job, workerId, settings, stopping);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
            {
                // The database went away between the job's failure and its record of it (the failover drill lost
                // the primary mid-import, and this loop died with it): the lease runs out and the job is tried again.
                logger.LogWarning("Job {JobId}: its outcome could not be recorded ({Message}); it runs again once its lease expires", job.JobId, e.Message);
                await Sleep(settings.Poll * 2, stopping);
            }
        }
    }

    private async Task RunAsync(ClaimedJob job, string workerId, JobOptions settings, CancellationToken stopping)
    {
        if (!_handlers.TryGetValue(job.Kind, out var handler))
        {
            await store.FailAsync(job.JobId, workerId, $"no handler for job kind '{job.Kind}'", CancellationToken.None);
            return;
        }

        if (job.Attempt > job.MaxAttempts)
        {
            // Its workers died (lease ran out) on every attempt.
            const string Died = "the worker stopped responding on every attempt";
            if (await store.FailAsync(job.JobId, workerId, Died, CancellationToken.None))
            {
                await handler.GiveUpAsync(job.Argument, Died, CancellationToken.None);
            }

            return;
        }

        using var lease = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        using var heartbeatStop = new CancellationTokenSource();
        var heartbeat = HeartbeatAsync(job, workerId, settings, lease, heartbeatStop.Token);
        logger.LogInformation("Job {JobId} ({Kind} {Argument}) attempt {Attempt} started by {Worker}", job.JobId, job.Kind, job.Argument, job.Attempt, workerId);
        try
        {
            await handler.RunAsync(new JobRun(job.JobId, job.Argument, job.Attempt, job.MaxAttempts, workerId), lease.Token);
            logger.LogInformation("Job {JobId} finished", job.JobId);
        }
        catch (Exception e) when (lease.IsCancellationRequested && !stopping.IsCancellationRequested)
        {
            logger.LogWarning("Job {JobId} abandoned: its lease went to another worker ({Message})", job.JobId, e.Message);
        }
        catch (Exception e) when (stopping.IsCancellationRequested)
        {
            logger.LogInformation("Job {JobId} interrupted by shutdown; handing it back ({Message})", job.JobId, e.Message);
            await HandBackAsync(job.JobId, workerId);
        }
        catch (Exception e)
        {
            logger.LogError(e, "Job {JobId} attempt {Attempt} failed", job.JobId, job.Attempt);
            var final = await store.FailAsync(job.JobId, workerId, e.Message, CancellationToken.None);
            if (final)
            {
                await handler.GiveUpAsync(job.Argument, e.Message, CancellationToken.None);
            }
        }
        finally
        {
            await heartbeatStop.CancelAsync();
            await heartbeat;
        }
    }

    private async Task HeartbeatAsync(ClaimedJob job, string workerId, JobOptions settings, CancellationTokenSource lease, CancellationToken stop)
    {
        var every = settings.Lease / 3;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(every, stop);
                if (!await store.RenewAsync(job.JobId, workerId, settings.Lease, stop))
                {
                    logger.LogWarning("Job {JobId}: lease lost", job.JobId);
                    await lease.CancelAsync();
                    return;
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                // The database may be back before the lease runs out; keep trying.
                logger.LogWarning("Job {JobId}: heartbeat failed: {Message}", job.JobId, e.Message);
            }
        }
    }

    // A graceful stop returns the job at once (without counting the attempt) instead of letting the lease run out.
    private async Task HandBackAsync(long jobId, string workerId)
    {
        try
        {
            await using var command = db.CreateCommand(
                """
                UPDATE jobs SET state = 'enqueued', run_at = now(), attempts = greatest(attempts - 1, 0), locked_by = NULL, lease_until = NULL
                WHERE job_id = $1 AND locked_by = $2 AND state = 'processing'
                """);
            command.Parameters.Add(new NpgsqlParameter<long> { TypedValue = jobId });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = workerId });
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            await command.ExecuteNonQueryAsync(timeout.Token);
        }
        catch (Exception e)
        {
            logger.LogWarning("Job {JobId}: could not hand back ({Message}); its lease will expire", jobId, e.Message);
        }
    }

    private async Task ListenAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using var connection = await db.OpenConnectionAsync(stopping);
                connection.Notification += (_, _) => _wake.Release();
                await using (var listen = new NpgsqlCommand($"LISTEN {JobStore.Channel}", connection))
                {
                    await listen.ExecuteNonQueryAsync(stopping);
                }

                while (!stopping.IsCancellationRequested)
                {
                    await connection.WaitAsync(stopping);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception e)
            {
                logger.LogDebug("Job notifications unavailable ({Message}); polling", e.Message);
                await Sleep(TimeSpan.FromSeconds(5), stopping);
            }
        }
    }

    private async Task Sleep(TimeSpan duration, CancellationToken stopping)
    {
        try
        {
            await _wake.WaitAsync(duration, stopping);
        }
        catch (OperationCanceledException)
        {
        }
    }

    public override void Dispose()
    {
        _wake.Dispose();
        base.Dispose();
    }
}
