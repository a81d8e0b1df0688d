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
using SweetsStore.Api.Telemetry;
using SweetsStore.Data;

namespace SweetsStore.Api.Controllers;

[ApiController]
[Route("orders")]
[Produces("application/json")]
public sealed class OrdersController(
    OrderService orders, DeliveryService deliveries, SyncImports imports, StoreMetrics metrics, IOptions<TelemetryOptions> telemetry,
    ILogger<OrdersController> logger) : ControllerBase
{
    /// <summary>Import orders, all or nothing.</summary>
    /// <remarks>
    /// Every field of every order is required and strictly typed; unknown fields and nulls are refused. One invalid
    /// order, an id given twice in the batch, or an id that already exists, and nothing is stored: the answer lists
    /// every invalid order with every problem. New orders are pending: in the pool, waiting for an assign.
    /// </remarks>
    [HttpPost]
    [BodyLimit("Orders")]
    [EnableRateLimiting("imports")]
    [RequestTimeout("imports")]
    [JsonBody(typeof(RequestSchemas.OrderImport))]
    [Idempotent("orders")]
    [ProducesResponseType<OrdersCreated>(StatusCodes.Status201Created, Description = "Stored: the ids, in request order.")]
    [ProducesResponseType<ErrorSchemas.OrderImportErrorResponse>(StatusCodes.Status400BadRequest, Description =
        "Nothing was stored. orders lists every invalid order (by id, or by index when it has no usable id) with every " +
        "problem; errors says what is wrong with the body as a whole (then orders is empty).")]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status413PayloadTooLarge)]
    public async Task<IActionResult> Import(CancellationToken ct)
    {
        var ids = await imports.OrdersAsync(Request.Body, HttpContext.IdempotencyHook<IReadOnlyList<long>>(StatusCodes.Status201Created, Created), ct);
        return new RenderedJsonResult(StatusCodes.Status201Created, () => Created(ids));
    }

    /// <summary>Hand the courier a bundle of orders, or its open bundle again.</summary>
    /// <remarks>
    /// While the courier has an open bundle (one with an order not yet delivered), the same bundle again: its open
    /// orders and its original assign_time; nothing changes. Otherwise, of the pending orders in the courier's regions
    /// whose delivery hours meet its working hours, the largest number that fits its capacity (a total equal to the
    /// capacity fits); among sets of that size the heaviest total, then the oldest orders. They become a new bundle,
    /// assigned now. When nothing fits, <c>{"orders": []}</c> without assign_time, and no bundle is made. Concurrent
    /// assigns, on any number of service instances, never put an order into two bundles.
    /// </remarks>
    [HttpPost("assign")]
    [EnableRateLimiting("assign")]
    [JsonBody(typeof(RequestSchemas.AssignRequest))]
    [Idempotent]
    [ProducesResponseType<AssignResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorSchemas.ValidationErrorResponse>(StatusCodes.Status400BadRequest, Description =
        "Invalid body, or no courier has this id (courier_id).")]
    public async Task<AssignResponse> Assign(CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(Request, ct);
        var courierId = Requests.AssignCourierId(body);
        var outcome = await deliveries.AssignAsync(courierId, HttpContext.IdempotencyHook<AssignOutcome>(StatusCodes.Status200OK, Assigned), ct);
        metrics.Assigned(outcome);
        if (outcome.Attempts - 1 > telemetry.Value.AssignRetriesWarning)
        {
            logger.LogWarning(
                "Assign for courier {CourierId} took {Attempts} attempts: other assigns took its chosen orders {Retries} time(s); it got {Outcome} (warned above Telemetry:AssignRetriesWarning = {Threshold})",
                courierId, outcome.Attempts, outcome.Attempts - 1, outcome.Kind.ToString().ToLowerInvariant(), telemetry.Value.AssignRetriesWarning);
        }

        return Assigned(outcome);
    }

    /// <summary>Mark an order delivered.</summary>
    /// <remarks>
    /// The order must be assigned to this courier, and complete_time not earlier than its bundle's assign_time.
    /// Completing an order this courier already completed answers 200 again and changes nothing (the first
    /// complete_time stays). When the last open order of a bundle is delivered, the bundle is finished and pays.
    /// </remarks>
    [HttpPost("complete")]
    [EnableRateLimiting("complete")]
    [JsonBody(typeof(RequestSchemas.CompleteRequest))]
    [Idempotent]
    [ProducesResponseType<CompleteResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorSchemas.ValidationErrorResponse>(StatusCodes.Status400BadRequest, Description =
        "Invalid body; or no such courier or order, the order is not assigned or is another courier's, or complete_time " +
        "is earlier than the bundle's assign_time.")]
    public async Task<CompleteResponse> Complete(CancellationToken ct)
    {
        using var body = await JsonBody.ReadAsync(Request, ct);
        var (courierId, orderId, completeTime) = Requests.Complete(body);
        if (await deliveries.CompleteAsync(
            courierId, orderId, completeTime, HttpContext.IdempotencyHook<long>(StatusCodes.Status200OK, id => new CompleteResponse(id)), ct))
        {
            metrics.Completed();
        }

        return new CompleteResponse(orderId);
    }

    // OrdersCreated's JSON, written from the ids (the stored answer replaces it when the import stored one).
    private static byte[] Created(IReadOnlyList<long> ids) => CreatedIds.Json("orders", ids);

    private static AssignResponse Assigned(AssignOutcome outcome) =>
        new(outcome.OrderIds.Select(id => new IdItem(id)).ToArray(), outcome.AssignTime);

    /// <summary>An order with its status, courier and times.</summary>
    [HttpGet("{order_id}")]
    [EnableRateLimiting("reads")]
    [ProducesResponseType<OrderResponse>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorSchemas.ValidationErrorResponse>(StatusCodes.Status400BadRequest)]
    [ProducesResponseType<ErrorResponse>(StatusCodes.Status404NotFound, Description = "No order has this id.")]
    public async Task<OrderResponse> Get([FromRoute(Name = "order_id")] string orderId, CancellationToken ct)
    {
        var id = Requests.PathId(orderId, "order_id");
        var order = await orders.GetAsync(id, ct) ?? throw new NotFoundException($"no order has id {id}");
        return OrderResponse.From(order);
    }

    /// <summary>Orders in order of id, a page at a time, optionally of one status.</summary>
    [HttpGet]
    [EnableRateLimiting("reads")]
    [ProducesResponseType<OrderPage>(StatusCodes.Status200OK)]
    [ProducesResponseType<ErrorSchemas.ValidationErrorResponse>(StatusCodes.Status400BadRequest)]
    public async Task<OrderPage> List([FromQuery] string? status, [FromQuery] string? offset, [FromQuery] string? limit, CancellationToken ct)
    {
        var (skip, take) = Queries.Page(offset, limit);
        var filter = Queries.Status(status);
        var page = await orders.ListAsync(filter, skip, take + 1, ct);
        return new OrderPage(page.Take(take).Select(OrderResponse.From).ToArray(), skip, take, page.Count > take ? skip + take : null);
    }
}
