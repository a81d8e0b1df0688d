using System.Diagnostics;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using SweetsStore.Api.Contracts;
using SweetsStore.Api.Errors;
using SweetsStore.Api.Jobs;
using SweetsStore.Data;
using SweetsStore.Data.Imports;
using SweetsStore.Data.Jobs;

namespace SweetsStore.Api.Imports;

/// <summary>
/// Loads an uploaded import: streams the stored body, validates every element with the synchronous import's
/// rules, and COPYs the rows in one transaction that also marks the import and its job succeeded, only while
/// this worker still holds the job. A crash, a lost lease or any failure rolls the rows back: an import is
/// applied entirely or not at all, and never twice.
/// </summary>
public sealed class ImportJob(ImportStore imports, NpgsqlDataSource db, IOptions<InputLimits> limits, ILogger<ImportJob> logger) : IJobHandler
{
    /// <summary>Bad elements kept in a background import's report (all are counted).</summary>
    public const int MaxReported = 1000;

    private static readonly TimeSpan ProgressEvery = TimeSpan.FromMilliseconds(250);

    public string Kind => ImportStore.JobKind;

    public Task GiveUpAsync(long argument, string error, CancellationToken ct) =>
        imports.FailAsync(argument, $"the import could not be loaded: {error}", ct);

    public async Task RunAsync(JobRun run, CancellationToken ct)
    {
        var work = await imports.StartAsync(run.Argument, ct);
        if (work is null || work.Status is "succeeded" or "failed")
        {
            // Nothing (left) to do: only the job itself needs finishing.
            await using var connection = await db.OpenConnectionAsync(ct);
            await JobStore.SucceedAsync(connection, run.JobId, run.WorkerId, ct);
            return;
        }

        if (work.Kind == "orders")
        {
            await LoadAsync(work, run, ImportElements.Orders(limits.Value, MaxReported), BulkCopy.OrdersAsync, "orders", o => o.Id, ct);
        }
        else
        {
            await LoadAsync(work, run, ImportElements.Couriers(limits.Value, MaxReported), BulkCopy.CouriersAsync, "couriers", c => c.Id, ct);
        }
    }

    private async Task LoadAsync<T>(
        ImportWork work, JobRun run, ImportElements<T> elements, Func<NpgsqlConnection, CancellationToken, Task<BulkCopy<T>>> begin,
        string table, Func<T, long> idOf, CancellationToken ct)
        where T : class
    {
        var started = Stopwatch.StartNew();
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        await using var loader = await ImportLoader<T>.BeginAsync(connection, work.Format, limits.Value.MaxBackgroundImportItems, elements, begin, idOf, ct);
        var lastProgress = Stopwatch.StartNew();
        await foreach (var chunk in imports.ReadChunksAsync(work.Id, ct))
        {
            await loader.PushAsync(chunk, isFinal: false, ct);
            if (lastProgress.Elapsed > ProgressEvery)
            {
                await imports.ProgressAsync(work.Id, loader.Elements, loader.Invalid, ct);
                lastProgress.Restart();
            }
        }

        await loader.PushAsync(ReadOnlyMemory<byte>.Empty, isFinal: true, ct);
        if (loader.Failed)
        {
            var error = loader.Invalid > 0
                ? $"{loader.Invalid} of {loader.Elements} {elements.Collection} are invalid; nothing was stored"
                : "the body is not a valid import; nothing was stored";
            await FinishSeparatelyAsync(work, run, "failed", loader.Elements, loader.Invalid, error, Report(loader.Error()), ct);
            return;
        }

        if (!await loader.CompleteAsync(ct))
        {
            await tx.RollbackAsync(ct);
            if (!await loader.RejectExistingAsync(connection, table, ct))
            {
                throw new InvalidOperationException("ids collided with an import that then rolled back; retrying");
            }

            await FinishSeparatelyAsync(work, run, "failed", loader.Elements, loader.Invalid,
                $"{loader.Invalid} {elements.Collection} already exist; nothing was stored", Report(loader.Error()), ct);
            return;
        }

        if (!await ImportStore.FinishAsync(connection, work.Id, run.JobId, run.WorkerId, "succeeded", loader.Elements, 0, null, null, ct))
        {
            throw new OperationCanceledException("the job's lease went to another worker; rolling back");
        }

        await tx.CommitAsync(ct);
        logger.LogInformation("Import {ImportId}: {Rows} {Kind} loaded in {Seconds:0.0} s", work.Id, loader.Elements, work.Kind, started.Elapsed.TotalSeconds);
    }

    // A refused import is recorded in its own transaction: the loading one is rolled back.
    private async Task FinishSeparatelyAsync(
        ImportWork work, JobRun run, string status, long rows, long invalid, string error, string report, CancellationToken ct)
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (!await ImportStore.FinishAsync(connection, work.Id, run.JobId, run.WorkerId, status, rows, invalid, error, report, ct))
        {
            throw new OperationCanceledException("the job's lease went to another worker");
        }

        await tx.CommitAsync(ct);
        logger.LogInformation("Import {ImportId} refused: {Error}", work.Id, error);
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
