using Microsoft.Extensions.Options;
using SweetsStore.Api.Contracts;
using SweetsStore.Data;
using SweetsStore.Data.Idempotency;
using SweetsStore.Data.Imports;

namespace SweetsStore.Api.Imports;

/// <summary>
/// <c>POST /couriers</c> and <c>POST /orders</c>: the body streamed into one transaction, all or nothing. The
/// answer is the ids in request order, or a 400 listing every bad element (nothing stored).
/// </summary>
public sealed class SyncImports(ImportStore imports, IOptions<InputLimits> limits, Telemetry.StoreMetrics metrics)
{
    // With an Idempotency-Key, the hook claims the key first in the import's transaction and stores the answer (the
    // ids) with the rows (docs/decisions/0014); null without a key.
    public Task<IReadOnlyList<long>> OrdersAsync(Stream body, IdempotencyHook<IReadOnlyList<long>>? idempotency, CancellationToken ct) =>
        LoadAsync(body, ImportElements.Orders(limits.Value), ImportTables.Orders, idempotency, ct);

    public Task<IReadOnlyList<long>> CouriersAsync(Stream body, IdempotencyHook<IReadOnlyList<long>>? idempotency, CancellationToken ct) =>
        LoadAsync(body, ImportElements.Couriers(limits.Value), ImportTables.Couriers, idempotency, ct);

    private async Task<IReadOnlyList<long>> LoadAsync<T>(
        Stream body, ImportElements<T> elements, ImportTable<T> table, IdempotencyHook<IReadOnlyList<long>>? idempotency, CancellationToken ct)
        where T : class
    {
        var loader = new ImportLoader<T>(ImportStream.Json, limits.Value.MaxImportItems, elements, table, limits.Value.ImportBatchRows);
        Func<ImportSession<T>, Task<bool>>? saveAnswer = idempotency is null ? null : async session =>
        {
            await session.SaveAsync(idempotency, loader.Ids, ct);
            return true;
        };

        ImportOutcome outcome;
        try
        {
            outcome = await loader.LoadAsync(imports, ImportLoader<T>.ChunksOf(body, ct), idempotency, afterChunk: null, saveAnswer, ct);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status400BadRequest)
        {
            // Broken framing: still the import's 400, with the list its clients expect (413 and 408 are not 400s).
            throw ContractValidationException.OfImportBody(elements.Collection, FieldErrors.Of("body", Messages.Unreadable));
        }

        switch (outcome)
        {
            case ImportOutcome.Loaded:
                idempotency?.Committed();
                metrics.Imported(elements.Collection, "sync", loader.Ids.Count);
                return loader.Ids;
            case ImportOutcome.Invalid or ImportOutcome.IdsExist:
                throw loader.Error();
            case ImportOutcome.RaceLost:
                // The body, already consumed, would have to be sent again.
                throw new ContentionException("an import with some of the same ids was running and rolled back; send it again");
            default:
                throw new InvalidOperationException($"a synchronous import cannot end {outcome}");
        }
    }
}
