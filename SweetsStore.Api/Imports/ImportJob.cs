using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;
using Hangfire;
using Hangfire.Server;
using Microsoft.Extensions.Options;
using SweetsStore.Api.Contracts;
using SweetsStore.Api.Errors;
using SweetsStore.Data.Imports;

namespace SweetsStore.Api.Imports;

/// <summary>
/// The Hangfire job that loads an uploaded import: streams the stored body, validates every element with the
/// synchronous import's rules, and COPYs the rows in one transaction that also ends the import, only while this run
/// still holds the import's token (<see cref="ImportSession{T}.FinishAsync"/>). Hangfire runs a job at least once; the
/// token makes its effect happen at most once: a crash, a takeover or any failure rolls the rows back, and a duplicate
/// or late run changes nothing. docs/decisions/0011.
/// </summary>
public sealed class ImportJob(ImportStore imports, IOptions<InputLimits> limits, Telemetry.StoreMetrics metrics, ILogger<ImportJob> logger)
{
    /// <summary>The Hangfire queue of imports (their own workers, <c>Jobs:Workers</c> per process).</summary>
    public const string Queue = "imports";

    /// <summary>Bad elements kept in a background import's report (all are counted).</summary>
    public const int MaxReported = 1000;

    private static readonly TimeSpan ProgressEvery = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// The job method Hangfire calls. <paramref name="context"/> and <paramref name="ct"/> are Hangfire's (pass null and
    /// <see cref="CancellationToken.None"/> when enqueuing); <paramref name="ct"/> fires when the server stops or when
    /// the job's state moves on without this run (deleted, or taken over by another worker).
    /// </summary>
    [Queue(Queue)]
    [DisplayName("Import {0}")]
    public Task RunAsync(long importId, PerformContext context, CancellationToken ct) =>
        RunForJobAsync(importId, context.BackgroundJob.Id, ct);

    /// <summary>One run of job <paramref name="jobId"/> for import <paramref name="importId"/>.</summary>
    internal async Task RunForJobAsync(long importId, string jobId, CancellationToken ct)
    {
        // Every line logged while this runs (ours, Npgsql's, Hangfire's) names the import and the job.
        using var scope = logger.BeginScope("ImportId:{ImportId} JobId:{JobId}", importId, jobId);
        var run = await imports.StartAsync(importId, jobId, ct);
        if (run is null)
        {
            logger.LogInformation("Import {ImportId}: nothing to do for job {JobId} (the import has ended, is gone, or has another job)", importId, jobId);
            return;
        }

        if (run.Kind == ImportKind.Orders)
        {
            await LoadAsync(run, ImportElements.Orders(limits.Value, MaxReported), ImportTables.Orders, ct);
        }
        else
        {
            await LoadAsync(run, ImportElements.Couriers(limits.Value, MaxReported), ImportTables.Couriers, ct);
        }
    }

    private async Task LoadAsync<T>(ImportRun run, ImportElements<T> elements, ImportTable<T> table, CancellationToken ct)
        where T : class
    {
        var started = Stopwatch.StartNew();
        var loader = new ImportLoader<T>(run.Format, limits.Value.MaxBackgroundImportItems, elements, table, limits.Value.ImportBatchRows);
        var lastProgress = Stopwatch.StartNew();
        var outcome = await loader.LoadAsync(
            imports,
            imports.ReadChunksAsync(run.Id, ct),
            idempotency: null, // the upload stored the key's answer (docs/decisions/0014)
            afterChunk: async () =>
            {
                if (lastProgress.Elapsed > ProgressEvery)
                {
                    await imports.ProgressAsync(run, loader.Elements, loader.Invalid, ct);
                    lastProgress.Restart();
                }
            },
            beforeCommit: session => session.FinishAsync(run, loader.Elements, ct), // the rows commit with the import's end, or not at all
            ct);
        switch (outcome)
        {
            case ImportOutcome.Invalid:
                await RefuseAsync(run, loader.Elements, loader.Invalid, loader.Invalid > 0
                    ? $"{loader.Invalid} of {loader.Elements} {elements.Collection} are invalid; nothing was stored"
                    : "the body is not a valid import; nothing was stored", Report(loader.Error()), ct);
                return;
            case ImportOutcome.IdsExist:
                await RefuseAsync(run, loader.Elements, loader.Invalid,
                    $"{loader.Invalid} {elements.Collection} already exist; nothing was stored", Report(loader.Error()), ct);
                return;
            case ImportOutcome.RaceLost:
                throw new InvalidOperationException("ids collided with an import that then rolled back; retrying");
            case ImportOutcome.Superseded:
                throw Superseded(run);
        }

        metrics.Imported(run.Kind.ToContractName(), "background", loader.Elements);
        logger.LogInformation("Import {ImportId}: {Rows} {Kind} loaded in {Seconds:0.0} s", run.Id, loader.Elements, run.Kind.ToContractName(), started.Elapsed.TotalSeconds);
    }

    // A refused import is recorded in its own transaction: the loading one is rolled back.
    private async Task RefuseAsync(ImportRun run, long rows, long invalid, string error, string report, CancellationToken ct)
    {
        if (!await imports.RefuseAsync(run, rows, invalid, error, report, ct))
        {
            throw Superseded(run);
        }

        logger.LogInformation("Import {ImportId} refused: {Error}", run.Id, error);
    }

    // A later run of this job holds the import now (Hangfire handed the job to another worker: this one was thought
    // dead, or an operator requeued it), or the import was failed meanwhile (its job deleted). That run, or that
    // decision, owns the job's state: Hangfire changes no state for an aborted job.
    private JobAbortedException Superseded(ImportRun run)
    {
        logger.LogWarning("Import {ImportId}: this run was superseded (another run holds the import, or it ended); its rows were rolled back", run.Id);
        return new JobAbortedException();
    }

    private static string Report(ContractValidationException error)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, ErrorWriter.WriterOptions))
        {
            writer.WriteStartObject();
            writer.WritePropertyName("validation_error");
            error.WriteTo(writer);
            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}
