using System.Text.Json;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using SweetsStore.Api.Contracts;
using SweetsStore.Api.Errors;
using SweetsStore.Api.Idempotency;
using SweetsStore.Api.Imports;
using SweetsStore.Api.Infrastructure;
using SweetsStore.Api.Infrastructure.OpenApi;
using SweetsStore.Data.Imports;

namespace SweetsStore.Api.Controllers;

/// <summary>Bulk imports loaded by background jobs.</summary>
[ApiController]
[Route("imports")]
[Produces("application/json")]
public sealed class ImportsController(ImportStore imports, ImportQueue queue, IOptions<InputLimits> limits) : ControllerBase
{
    private const int ChunkBytes = 1 << 20;

    /// <summary>Start a background import of orders.</summary>
    /// <remarks>
    /// Takes a large body, <c>{"data": [...]}</c> as <c>POST /orders</c> does, or NDJSON (one order per line, with
    /// <c>Content-Type: application/x-ndjson</c> or <c>?format=ndjson</c>); any other Content-Type is read as JSON. The
    /// body is stored and answered 202 with <c>Location: /imports/{import_id}</c>; a durable background job then
    /// validates it with the same rules as <c>POST /orders</c> and loads it in one transaction, all or nothing. Follow
    /// it with <c>GET /imports/{import_id}</c>.
    /// </remarks>
    [HttpPost("orders")]
    [EnableRateLimiting("imports")]
    [RequestTimeout("imports")]
    [BodyLimit("Imports")]
    [LocalOrApiKey]
    [JsonBody(typeof(RequestSchemas.OrderImport), NdJsonItem = typeof(RequestSchemas.NewOrder))]
    [Idempotent("orders")]
    [ProducesResponseType<ImportResponse>(StatusCodes.Status202Accepted, Description = "Stored and queued; Location names the import.")]
    [ProducesResponseType<ErrorSchemas.OrderImportErrorResponse>(StatusCodes.Status400BadRequest, Description =
        "The body's structure is wrong (no data list, an element over 1 MiB, too many elements, a bad format); nothing was stored.")]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status401Unauthorized)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status413PayloadTooLarge)]
    public Task<IActionResult> Orders([FromQuery] string? format, CancellationToken ct) => UploadAsync(ImportKind.Orders, format, ct);

    /// <summary>Start a background import of couriers.</summary>
    /// <remarks>As <c>POST /imports/orders</c>, for couriers: validated with the same rules as <c>POST /couriers</c>.</remarks>
    [HttpPost("couriers")]
    [EnableRateLimiting("imports")]
    [RequestTimeout("imports")]
    [BodyLimit("Imports")]
    [LocalOrApiKey]
    [JsonBody(typeof(RequestSchemas.CourierImport), NdJsonItem = typeof(RequestSchemas.NewCourier))]
    [Idempotent("couriers")]
    [ProducesResponseType<ImportResponse>(StatusCodes.Status202Accepted, Description = "Stored and queued; Location names the import.")]
    [ProducesResponseType<ErrorSchemas.CourierImportErrorResponse>(StatusCodes.Status400BadRequest, Description =
        "The body's structure is wrong (no data list, an element over 1 MiB, too many elements, a bad format); nothing was stored.")]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status401Unauthorized)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status413PayloadTooLarge)]
    public Task<IActionResult> Couriers([FromQuery] string? format, CancellationToken ct) => UploadAsync(ImportKind.Couriers, format, ct);

    /// <summary>An import's status, progress, timings and validation report.</summary>
    [HttpGet("{import_id}")]
    [ProducesResponseType<ImportResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorSchemas.ValidationErrorResponse>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status404NotFound, Description = "No import has this id.")]
    public async Task<ImportResponse> Get([FromRoute(Name = "import_id")] string importId, CancellationToken ct)
    {
        var id = Requests.PathId(importId, "import_id");
        var import = await imports.GetAsync(id, ct) ?? throw new NotFoundException($"no import has id {id}");
        return ImportResponse.From(import);
    }

    /// <summary>Imports, newest first, a page at a time.</summary>
    [HttpGet]
    [ProducesResponseType<ImportPage>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorSchemas.ValidationErrorResponse>(StatusCodes.Status400BadRequest)]
    public async Task<ImportPage> List([FromQuery] string? offset, [FromQuery] string? limit, CancellationToken ct)
    {
        var (skip, take) = Queries.Page(offset, limit);
        var page = await imports.ListAsync(skip, take + 1, ct);
        return new ImportPage(page.Take(take).Select(ImportResponse.From).ToArray(), skip, take, page.Count > take ? skip + take : null);
    }

    private async Task<IActionResult> UploadAsync(ImportKind kind, string? format, CancellationToken ct)
    {
        var bodyFormat = Format(kind, format, Request.ContentType);
        var scanner = new ImportStream(bodyFormat, limits.Value.MaxBackgroundImportItems);
        var buffer = new byte[ChunkBytes];
        long bytes = 0;
        var idempotency = HttpContext.IdempotencyHook<ImportView>(StatusCodes.Status202Accepted, ImportResponse.From, i => $"/imports/{i.Id}");
        await using var upload = await imports.BeginUploadAsync(kind, bodyFormat, idempotency, ct);
        while (true)
        {
            var filled = await FillAsync(Request.Body, buffer, ct);
            var last = filled < buffer.Length;
            scanner.Push(buffer.AsSpan(0, filled), last, static (_, _) => { });
            if (scanner.Failed)
            {
                // Refused before anything is stored: disposing the upload rolls it back.
                throw ContractValidationException.OfImportBody(kind.ToContractName(), scanner.Errors!);
            }

            if (filled > 0)
            {
                await upload.WriteChunkAsync(buffer, filled, ct);
                bytes += filled;
            }

            if (last)
            {
                break;
            }
        }

        // Committed first, then enqueued (not cancellable: the import exists now). Should the enqueue fail or this
        // process die in between, the orphan sweep gives the import its job (docs/decisions/0011).
        await upload.CommitAsync(bytes, scanner.Elements, ct);
        await queue.EnqueueAsync(upload.ImportId, replacing: null, CancellationToken.None);
        var created = await imports.GetAsync(upload.ImportId, ct);
        var location = $"/imports/{upload.ImportId}";
        return Accepted(location, ImportResponse.From(created!));
    }

    private static string Format(ImportKind kind, string? query, string? contentType)
    {
        if (query is not null)
        {
            return query switch
            {
                "json" => ImportStream.Json,
                "ndjson" => ImportStream.NdJson,
                _ => throw ContractValidationException.OfImportBody(kind.ToContractName(), FieldErrors.Of("format", "must be \"json\" or \"ndjson\"")),
            };
        }

        var media = contentType?.Split(';')[0].Trim().ToLowerInvariant();
        return media is "application/x-ndjson" or "application/ndjson" or "application/jsonl" or "application/x-jsonlines"
            ? ImportStream.NdJson
            : ImportStream.Json;
    }

    private static async Task<int> FillAsync(Stream body, byte[] buffer, CancellationToken ct)
    {
        var filled = 0;
        while (filled < buffer.Length)
        {
            var read = await body.ReadAsync(buffer.AsMemory(filled), ct);
            if (read == 0)
            {
                break;
            }

            filled += read;
        }

        return filled;
    }
}
