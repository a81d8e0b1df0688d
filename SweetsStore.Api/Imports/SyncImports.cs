using Microsoft.Extensions.Options;
using Npgsql;
using SweetsStore.Api.Contracts;
using SweetsStore.Data;
using SweetsStore.Data.Idempotency;
using SweetsStore.Domain;

namespace SweetsStore.Api.Imports;

/// <summary>
/// <c>POST /couriers</c> and <c>POST /orders</c>: the body streamed into one transaction, all or nothing. The
/// answer is the ids in request order, or a 400 listing every bad element (nothing stored).
/// </summary>
public sealed class SyncImports(NpgsqlDataSource db, IOptions<InputLimits> limits, Telemetry.StoreMetrics metrics)
{
    // With an Idempotency-Key, the hook claims the key first in the import's transaction and stores the answer (the
    // ids) with the rows (docs/decisions/0014); null without a key.
    public Task<IReadOnlyList<long>> OrdersAsync(Stream body, IdempotencyHook<IReadOnlyList<long>>? idempotency, CancellationToken ct) =>
        LoadAsync(body, ImportElements.Orders(limits.Value), BulkCopy.OrdersAsync, "orders", o => o.Id, idempotency, ct);

    public Task<IReadOnlyList<long>> CouriersAsync(Stream body, IdempotencyHook<IReadOnlyList<long>>? idempotency, CancellationToken ct) =>
        LoadAsync(body, ImportElements.Couriers(limits.Value), BulkCopy.CouriersAsync, "couriers", c => c.Id, idempotency, ct);

    private async Task<IReadOnlyList<long>> LoadAsync<T>(
        Stream body, ImportElements<T> elements, Func<NpgsqlConnection, CancellationToken, Task<BulkCopy<T>>> beginCopy,
        string table, Func<T, long> idOf, IdempotencyHook<IReadOnlyList<long>>? idempotency, CancellationToken ct)
        where T : class
    {
        await using var connection = await db.OpenConnectionAsync(ct);
        await using var tx = await connection.BeginTransactionAsync(ct);
        if (idempotency is not null)
        {
            await idempotency.ClaimAsync(connection, ct);
        }

        await using var loader = await ImportLoader<T>.BeginAsync(
            connection, ImportStream.Json, limits.Value.MaxImportItems, elements, beginCopy, idOf, ct);
        try
        {
            await loader.ReadAllAsync(body, ct);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status400BadRequest)
        {
            // Broken framing: still the import's 400, with the list its clients expect (413 and 408 are not 400s).
            throw ContractValidationException.OfImportBody(elements.Collection, FieldErrors.Of("body", Messages.Unreadable));
        }

        if (loader.Failed)
        {
            throw loader.Error();
        }

        if (!await loader.CompleteAsync(ct))
        {
            await tx.RollbackAsync(ct);

            // The unique violation waited for the conflicting import: its rows are committed now, unless it
            // rolled back, in which case the body (already consumed) would have to be sent again.
            if (!await loader.RejectExistingAsync(connection, table, ct))
            {
                throw new ContentionException("an import with some of the same ids was running and rolled back; send it again");
            }

            throw loader.Error();
        }

        IReadOnlyList<long> ids = loader.Ids.Select(i => i.Id).ToArray();
        if (idempotency is not null)
        {
            await idempotency.SaveAsync(connection, ids, ct);
        }

        await tx.CommitAsync(ct);
        idempotency?.Committed();
        metrics.Imported(table, "sync", ids.Count);
        return ids;
    }
}
