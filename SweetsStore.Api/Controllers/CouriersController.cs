using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;
using SweetsStore.Api.Contracts;
using SweetsStore.Api.Errors;
using SweetsStore.Api.Imports;
using SweetsStore.Api.Infrastructure;
using SweetsStore.Data;

namespace SweetsStore.Api.Controllers;

[ApiController]
[Route("couriers")]
[Produces("application/json")]
public sealed class CouriersController(CourierService couriers, SyncImports imports, IOptions<InputLimits> limits) : ControllerBase
{
    /// <summary>Imports couriers: all or nothing.</summary>
    [HttpPost]
    [BodyLimit("Couriers")]
    [EnableRateLimiting("imports")]
    [RequestTimeout("imports")]
    [JsonBody(typeof(RequestSchemas.CourierImport))]
    [ProducesResponseType<CouriersCreated>(StatusCodes.Status201Created)]
    [ProducesResponseType(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status413PayloadTooLarge)]
    public async Task<IActionResult> Import(CancellationToken ct)
    {
        var ids = await imports.CouriersAsync(Request.Body, ct);
        return StatusCode(StatusCodes.Status201Created, new CouriersCreated(ids.Select(id => new IdItem(id)).ToArray()));
    }

    /// <summary>Edits a courier; open orders that no longer fit go back to the pool.</summary>
    [HttpPatch("{courier_id}")]
    [JsonBody(typeof(RequestSchemas.CourierPatch))]
    [ProducesResponseType<CourierResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status404NotFound)]
    public async Task<CourierResponse> Patch([FromRoute(Name = "courier_id")] string courierId, CancellationToken ct)
    {
        var id = Requests.PathId(courierId, "courier_id");
        using var body = await JsonBody.ReadAsync(Request, ct);
        var changes = Requests.CourierPatch(body, limits.Value);
        var courier = await couriers.PatchAsync(id, changes.Type, changes.Regions, changes.WorkingHours, ct)
            ?? throw new NotFoundException($"no courier has id {id}");
        return CourierResponse.From(courier);
    }

    /// <summary>A courier with earnings and rating, optionally restricted to the period [from, to).</summary>
    [HttpGet("{courier_id}")]
    [EnableRateLimiting("reads")]
    [ProducesResponseType<CourierDetailsResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status404NotFound)]
    public async Task<CourierDetailsResponse> Get(
        [FromRoute(Name = "courier_id")] string courierId, [FromQuery] string? from, [FromQuery] string? to, CancellationToken ct)
    {
        var id = Requests.PathId(courierId, "courier_id");
        var period = Queries.Period(from, to);
        var courier = (period is { } p ? await couriers.GetAsync(id, p, ct) : await couriers.GetAsync(id, ct))
            ?? throw new NotFoundException($"no courier has id {id}");
        return CourierDetailsResponse.From(courier);
    }

    /// <summary>Couriers by id, a page at a time.</summary>
    [HttpGet]
    [EnableRateLimiting("reads")]
    [ProducesResponseType<CourierPage>(StatusCodes.Status200OK)]
    [ProducesResponseType(StatusCodes.Status400BadRequest)]
    public async Task<CourierPage> List([FromQuery] string? offset, [FromQuery] string? limit, CancellationToken ct)
    {
        var (skip, take) = Queries.Page(offset, limit);
        var page = await couriers.ListAsync(skip, take + 1, ct);
        return new CourierPage(page.Take(take).Select(CourierDetailsResponse.From).ToArray(), skip, take, page.Count > take ? skip + take : null);
    }
}
