using Microsoft.Extensions.Options;
using SweetsStore.Api.Contracts;
using SweetsStore.Data;
using SweetsStore.Data.Imports;

namespace SweetsStore.Api.Imports;

/// <summary>
/// <c>POST /couriers</c> and <c>POST /orders</c>: the body streamed into one transaction, all or nothing. The
/// answer is the ids in request order, or a 400 listing every bad element (nothing stored).
/// </summary>
public sealed class SyncImports(ImportStore imports, IOptions<InputLimits> limits)
{
    public Task<IReadOnlyList<long>> OrdersAsync(Stream body, CancellationToken ct) =>
        LoadAsync(body, ImportElements.Orders(limits.Value), ImportTables.Orders, ct);

    public Task<IReadOnlyList<long>> CouriersAsync(Stream body, CancellationToken ct) =>
        LoadAsync(body, ImportElements.Couriers(limits.Value), ImportTables.Couriers, ct);

    private async Task<IReadOnlyList<long>> LoadAsync<T>(Stream body, ImportElements<T> elements, ImportTable<T> table, CancellationToken ct)
        where T : class
    {
        var loader = new ImportLoader<T>(ImportStream.Json, limits.Value.MaxImportItems, elements, table);
        ImportOutcome outcome;
        try
        {
            outcome = await loader.LoadAsync(imports, ImportLoader<T>.ChunksOf(body, ct), afterChunk: null, beforeCommit: null, ct);
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status400BadRequest)
        {
            // Broken framing: still the import's 400, with the list its clients expect (413 and 408 are not 400s).
            throw ContractValidationException.OfImportBody(elements.Collection, FieldErrors.Of("body", Messages.Unreadable));
        }

        return outcome switch
        {
            ImportOutcome.Loaded => loader.Ids.Select(i => i.Id).ToArray(),
            ImportOutcome.Invalid or ImportOutcome.IdsExist => throw loader.Error(),

            // The body, already consumed, would have to be sent again.
            ImportOutcome.RaceLost => throw new ContentionException("an import with some of the same ids was running and rolled back; send it again"),
            _ => throw new InvalidOperationException($"a synchronous import cannot end {outcome}"),
        };
    }
}
