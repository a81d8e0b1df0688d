using System.Buffers;
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
            await LoadAsync(work, run, ImportElements.Orders(limits.Value, MaxReported), BulkCopy.OrdersAsync, "orders", ct);
        }
        else
        {
            await LoadAsync(work, run, ImportElements.Couriers(limits.Value, MaxReported), BulkCopy.CouriersAsync, "couriers", ct);
        }
    }

    private async Task LoadAsync<T>(
        ImportWork work, JobRun run, ImportElements<T> elements, Func<NpgsqlConnection, CancellationToken, Task<BulkCopy<T>>> begin,
        string table, CancellationToken ct)
        where T : class
    {
        var started = Stopwatch.StartNew();
        var stream = new ImportStream(work.Format, limits.Value.MaxBackgroundImportItems);
        var ids = new List<(long Id, int Index)>();
        var ready = new List<T>();
        var idOf = elements.IdField;

        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        BulkCopy<T>? copy = await begin(connection, ct);
        try
        {
            var lastProgress = Stopwatch.StartNew();
            await foreach (var chunk in imports.ReadChunksAsync(work.Id, ct))
            {
                stream.Push(chunk, isFinal: false, Accept);
                copy = await DrainAsync(copy);
                if (stream.Failed)
                {
                    break;
                }

                if (lastProgress.Elapsed > ProgressEvery)
                {
                    await imports.ProgressAsync(work.Id, stream.Elements, elements.Invalid, ct);
                    lastProgress.Restart();
                }
            }

            stream.Push([], isFinal: true, Accept);
            copy = await DrainAsync(copy);

            if (stream.Failed || elements.Invalid > 0)
            {
                var report = stream.Failed ? Report(new ContractValidationException(stream.Errors!)) : Report(elements.ToException());
                var error = stream.Failed
                    ? "the body is not a valid import; nothing was stored"
                    : $"{elements.Invalid} of {stream.Elements} {elements.Collection} are invalid; nothing was stored";
                await FinishSeparatelyAsync(work, run, "failed", stream.Elements, elements.Invalid, error, report, ct);
                return;
            }

            var open = copy ?? throw new InvalidOperationException("the COPY closed although every element was valid");
            try
            {
                await open.CompleteAsync(ct);
            }
            catch (PostgresException e) when (e.IsUniqueViolation())
            {
                await open.DisposeAsync();
                copy = null;
                await tx.RollbackAsync(ct);
                var existing = await BulkCopy.ExistingAsync(connection, table, ids.Select(i => i.Id).ToArray(), ct);
                var index = ids.ToDictionary(i => i.Id, i => i.Index);
                elements.RejectExisting(existing, id => index[id]);
                await FinishSeparatelyAsync(work, run, "failed", stream.Elements, elements.Invalid,
                    $"{existing.Count} {elements.Collection} already exist; nothing was stored", Report(elements.ToException()), ct);
                return;
            }

            await open.DisposeAsync();
            copy = null;
            if (!await ImportStore.FinishAsync(connection, work.Id, run.JobId, run.WorkerId, "succeeded", stream.Elements, 0, null, null, ct))
            {
                throw new OperationCanceledException("the job's lease went to another worker; rolling back");
            }

            await tx.CommitAsync(ct);
            logger.LogInformation("Import {ImportId}: {Rows} {Kind} loaded in {Seconds:0.0} s", work.Id, stream.Elements, work.Kind, started.Elapsed.TotalSeconds);
        }
        finally
        {
            if (copy is not null)
            {
                await copy.DisposeAsync();
            }
        }

        void Accept(int index, ReadOnlySpan<byte> json)
        {
            var rented = ArrayPool<byte>.Shared.Rent(json.Length);
            try
            {
                json.CopyTo(rented);
                JsonDocument document;
                try
                {
                    document = JsonDocument.Parse(rented.AsMemory(0, json.Length), new JsonDocumentOptions { MaxDepth = 32 });
                }
                catch (JsonException)
                {
                    elements.Reject(new ElementError(null, index, FieldErrors.Of("data[" + index + "]", "is not valid JSON")));
                    return;
                }

                using (document)
                {
                    var item = elements.Add(document.RootElement, index);
                    if (item is not null && elements.Invalid == 0)
                    {
                        ready.Add(item);
                        if (document.RootElement.TryGetProperty(idOf, out var id))
                        {
                            ids.Add((id.GetInt64(), index));
                        }
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        // Writes what was accepted; once an element is invalid nothing more is copied (the batch will not be stored).
        async Task<BulkCopy<T>?> DrainAsync(BulkCopy<T>? open)
        {
            if (open is null || elements.Invalid > 0 || stream.Failed)
            {
                ready.Clear();
                if (open is not null)
                {
                    await open.DisposeAsync();
                }

                return null;
            }

            foreach (var item in ready)
            {
                await open.WriteAsync(item, ct);
            }

            ready.Clear();
            return open;
        }
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
