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
using SweetsStore.Data;

namespace SweetsStore.Api.Controllers;

[ApiController]
[Route("couriers")]
[Produces("application/json")]
public sealed class CouriersController(
    CourierService couriers, SyncImports imports, AssignmentPreviews previews, IOptions<InputLimits> limits) : ControllerBase
{
    /// <summary>Import couriers, all or nothing.</summary>
    /// <remarks>
    /// Every field of every courier is required and strictly typed (<c>"1"</c> is not an integer, <c>"Foot"</c> not a
    /// type); unknown fields and nulls are refused. One invalid courier, an id given twice in the batch, or an id that
    /// already exists, and nothing is stored: the answer lists every invalid courier with every problem. An empty
    /// <c>data</c> list imports nothing (201 with an empty list).
    /// </remarks>
    [HttpPost]
    [BodyLimit("Couriers")]
    [EnableRateLimiting("imports")]
    [RequestTimeout("imports")]
    [JsonBody(typeof(RequestSchemas.CourierImport))]
    [Idempotent("couriers")]
    [ProducesResponseType<CouriersCreated>(StatusCodes.Status201Created, Description = "Stored: the ids, in request order.")]
    [ProducesResponseType<ErrorSchemas.CourierImportErrorResponse>(StatusCodes.Status400BadRequest, Description =
        "Nothing was stored. couriers lists every invalid courier (by id, or by index when it has no usable id) with every " +
        "problem; errors says what is wrong with the body as a whole (then couriers is empty).")]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status413PayloadTooLarge)]
    public async Task<IActionResult> Import(CancellationToken ct)
    {
        var ids = await imports.CouriersAsync(Request.Body, HttpContext.IdempotencyHook<IReadOnlyList<long>>(StatusCodes.Status201Created, Created), ct);
        return new RenderedJsonResult(StatusCodes.Status201Created, () => Created(ids));
    }

    // CouriersCreated's JSON, written from the ids (the stored answer replaces it when the import stored one).
    private static byte[] Created(IReadOnlyList<long> ids) => CreatedIds.Json("couriers", ids);

    /// <summary>Edit a courier; open orders that no longer fit go back to the pool.</summary>
    /// <remarks>
    /// Any of courier_type, regions and working_hours; <c>{}</c> changes nothing. The courier's open orders (assigned,
    /// not delivered) that no longer fit are released to the pool: those in a region it no longer serves, then those
    /// whose delivery hours no longer meet its working hours, then, while the open load is over the new capacity, the
    /// heaviest. A bundle left with no open order is finished. Bundles already assigned keep the earnings coefficient
    /// of the type they were assigned under.
    /// </remarks>
    [HttpPatch("{courier_id}")]
    [JsonBody(typeof(RequestSchemas.CourierPatch))]
    [ProducesResponseType<CourierResponse>(StatusCodes.Status200OK, Description = "The courier as it is now.")]
    [ProducesResponseType<ErrorSchemas.ValidationErrorResponse>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status404NotFound, Description = "No courier has this id.")]
    public async Task<CourierResponse> Patch([FromRoute(Name = "courier_id")] string courierId, CancellationToken ct)
    {
        var id = Requests.PathId(courierId, "courier_id");
        using var body = await JsonBody.ReadAsync(Request, ct);
        var changes = Requests.CourierPatch(body, limits.Value);
        var courier = await couriers.PatchAsync(id, changes.Type, changes.Regions, changes.WorkingHours, ct)
            ?? throw new NotFoundException($"no courier has id {id}");
        return CourierResponse.From(courier);
    }

    /// <summary>A courier with its earnings and rating.</summary>
    /// <remarks>
    /// With <c>from</c> and <c>to</c> (both or neither), earnings count the bundles finished in [from, to) and the
    /// rating the deliveries completed in it: rating is present when the period has earnings and at least one delivery
    /// (a PATCH can finish a paid bundle in the period after its deliveries).
    /// </remarks>
    [HttpGet("{courier_id}")]
    [EnableRateLimiting("reads")]
    [ProducesResponseType<CourierDetailsResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorSchemas.ValidationErrorResponse>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status404NotFound, Description = "No courier has this id.")]
    public async Task<CourierDetailsResponse> Get(
        [FromRoute(Name = "courier_id")] string courierId, [FromQuery] string? from, [FromQuery] string? to, CancellationToken ct)
    {
        var id = Requests.PathId(courierId, "courier_id");
        var period = Queries.Period(from, to);
        var courier = (period is { } p ? await couriers.GetAsync(id, p, ct) : await couriers.GetAsync(id, ct))
            ?? throw new NotFoundException($"no courier has id {id}");
        return CourierDetailsResponse.From(courier);
    }

    /// <summary>What an assign would hand this courier now, and why the other pending orders are left out.</summary>
    /// <remarks>
    /// Read-only: claims nothing, locks nothing. would_assign is what <c>POST /orders/assign</c> would answer at this
    /// moment: the open bundle's open orders while the courier has one (then open_bundle shows it), else the bundle the
    /// assignment engine would choose (same engine, same tie-breaks). left_out counts the pending orders not chosen, each
    /// by the first reason that applies: other_region, hours_do_not_overlap, heavier_than_capacity, fits_but_not_chosen.
    /// </remarks>
    [HttpGet("{courier_id}/assignment")]
    [EnableRateLimiting("reads")]
    [ProducesResponseType<AssignmentPreviewResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorSchemas.ValidationErrorResponse>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status404NotFound, Description = "No courier has this id.")]
    public async Task<AssignmentPreviewResponse> Assignment([FromRoute(Name = "courier_id")] string courierId, CancellationToken ct)
    {
        var id = Requests.PathId(courierId, "courier_id");
        var preview = await previews.GetAsync(id, ct) ?? throw new NotFoundException($"no courier has id {id}");
        return AssignmentPreviewResponse.From(preview);
    }

    /// <summary>Couriers in order of id, a page at a time, with earnings and rating.</summary>
    [HttpGet]
    [EnableRateLimiting("reads")]
    [ProducesResponseType<CourierPage>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorSchemas.ValidationErrorResponse>(StatusCodes.Status400BadRequest)]
    public async Task<CourierPage> List([FromQuery] string? offset, [FromQuery] string? limit, CancellationToken ct)
    {
        var (skip, take) = Queries.Page(offset, limit);
        var page = await couriers.ListAsync(skip, take + 1, ct);
        return new CourierPage(page.Take(take).Select(CourierDetailsResponse.From).ToArray(), skip, take, page.Count > take ? skip + take : null);
    }
}
